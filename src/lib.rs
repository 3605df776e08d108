//! The `napgen` command line around [`napgen_core`]: values read from files and standard input,
//! outputs written atomically to files and folders, interrupts, and many environments at once.
pub mod app;
pub mod emit;
pub mod fleet;
pub mod input;
pub mod interrupt;
