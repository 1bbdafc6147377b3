//! The embedded demo fleet: simulated zones served over real HTTP on loopback.
