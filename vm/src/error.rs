//! How execution stops abnormally.

use crate::value::Value;

/// What a failing operation hands back to the interpreter.
#[derive(Debug, thiserror::Error)]
pub enum VmError {
    /// A built-in exception to create and throw: the class's full name
    /// (`System.ArgumentOutOfRangeException`) and the message.
    #[error("{class}: {message}")]
    Throw { class: &'static str, message: String },
    /// An exception object already made, to throw.
    #[error("exception")]
    Exception(Value),
    /// The call depth passed `--max-depth`: fatal, as in .NET.
    #[error("Stack overflow.")]
    StackOverflow,
    /// The program ended with an exception nothing caught.
    #[error("unhandled exception")]
    Unhandled(Value),
    /// `--max-instructions` ran out.
    #[error("instruction budget exhausted")]
    OutOfFuel,
    /// `Environment.Exit` or a fatal error with this exit code.
    #[error("exit {0}")]
    Exit(i32),
}

impl VmError {
    pub fn throw(class: &'static str, message: impl Into<String>) -> VmError {
        VmError::Throw { class, message: message.into() }
    }

    pub fn null_reference() -> VmError {
        VmError::throw("System.NullReferenceException", "Object reference not set to an instance of an object.")
    }

    pub fn index_out_of_range() -> VmError {
        VmError::throw("System.IndexOutOfRangeException", "Index was outside the bounds of the array.")
    }

    pub fn invalid_cast(from: &str, to: &str) -> VmError {
        VmError::throw("System.InvalidCastException", format!("Unable to cast object of type '{from}' to type '{to}'."))
    }
}
