//! Values in, typed settings out: the dotenv syntax, the sources read in precedence order, the
//! registry of keys, and validation.
pub mod dotenv;
pub mod registry;
pub mod settings;
pub mod sources;
pub mod validate;
