//! The run-time API's error codes, in SCORM 1.2's numbering and in 2004's. The two share
//! numbers with different meanings (403 is "Element is read only" in 1.2 and "Data Model
//! Element Value Not Initialized" in 2004), so each version has its own enum, and
//! [`ErrorCode`] is one of the two. The string form of each is the number SCORM's
//! `GetLastError` returns (`"0"`, `"201"`, ...), for storing and matching.

use serde::Serialize;

use super::Version;
use crate::inspect::codes::stable_codes;

stable_codes! {
    /// A SCORM 1.2 run-time error code.
    pub enum Scorm12Error {
        NoError = "0",
        GeneralException = "101",
        InvalidArgument = "201",
        ElementCannotHaveChildren = "202",
        ElementNotAnArray = "203",
        NotInitialized = "301",
        NotImplemented = "401",
        InvalidSetValueKeyword = "402",
        ElementIsReadOnly = "403",
        ElementIsWriteOnly = "404",
        IncorrectDataType = "405",
    }
}

stable_codes! {
    /// A SCORM 2004 run-time error code.
    pub enum Scorm2004Error {
        NoError = "0",
        GeneralException = "101",
        GeneralInitializationFailure = "102",
        AlreadyInitialized = "103",
        ContentInstanceTerminated = "104",
        GeneralTerminationFailure = "111",
        TerminationBeforeInitialization = "112",
        TerminationAfterTermination = "113",
        RetrieveDataBeforeInitialization = "122",
        RetrieveDataAfterTermination = "123",
        StoreDataBeforeInitialization = "132",
        StoreDataAfterTermination = "133",
        CommitBeforeInitialization = "142",
        CommitAfterTermination = "143",
        GeneralArgumentError = "201",
        GeneralGetFailure = "301",
        GeneralSetFailure = "351",
        GeneralCommitFailure = "391",
        UndefinedDataModelElement = "401",
        UnimplementedDataModelElement = "402",
        ValueNotInitialized = "403",
        ElementIsReadOnly = "404",
        ElementIsWriteOnly = "405",
        TypeMismatch = "406",
        ValueOutOfRange = "407",
        DependencyNotEstablished = "408",
    }
}

impl Scorm12Error {
    /// The number, as `LMSGetLastError` returns it.
    pub fn number(self) -> u16 {
        self.as_str().parse().unwrap_or(101)
    }

    /// `LMSGetErrorString`: SCORM 1.2's short description.
    pub fn description(self) -> &'static str {
        use Scorm12Error::*;
        match self {
            NoError => "No error",
            GeneralException => "General exception",
            InvalidArgument => "Invalid argument error",
            ElementCannotHaveChildren => "Element cannot have children",
            ElementNotAnArray => "Element not an array - cannot have count",
            NotInitialized => "Not initialized",
            NotImplemented => "Not implemented error",
            InvalidSetValueKeyword => "Invalid set value, element is a keyword",
            ElementIsReadOnly => "Element is read only",
            ElementIsWriteOnly => "Element is write only",
            IncorrectDataType => "Incorrect data type",
        }
    }
}

impl Scorm2004Error {
    /// The number, as `GetLastError` returns it.
    pub fn number(self) -> u16 {
        self.as_str().parse().unwrap_or(101)
    }

    /// `GetErrorString`: SCORM 2004's short description.
    pub fn description(self) -> &'static str {
        use Scorm2004Error::*;
        match self {
            NoError => "No Error",
            GeneralException => "General Exception",
            GeneralInitializationFailure => "General Initialization Failure",
            AlreadyInitialized => "Already Initialized",
            ContentInstanceTerminated => "Content Instance Terminated",
            GeneralTerminationFailure => "General Termination Failure",
            TerminationBeforeInitialization => "Termination Before Initialization",
            TerminationAfterTermination => "Termination After Termination",
            RetrieveDataBeforeInitialization => "Retrieve Data Before Initialization",
            RetrieveDataAfterTermination => "Retrieve Data After Termination",
            StoreDataBeforeInitialization => "Store Data Before Initialization",
            StoreDataAfterTermination => "Store Data After Termination",
            CommitBeforeInitialization => "Commit Before Initialization",
            CommitAfterTermination => "Commit After Termination",
            GeneralArgumentError => "General Argument Error",
            GeneralGetFailure => "General Get Failure",
            GeneralSetFailure => "General Set Failure",
            GeneralCommitFailure => "General Commit Failure",
            UndefinedDataModelElement => "Undefined Data Model Element",
            UnimplementedDataModelElement => "Unimplemented Data Model Element",
            ValueNotInitialized => "Data Model Element Value Not Initialized",
            ElementIsReadOnly => "Data Model Element Is Read Only",
            ElementIsWriteOnly => "Data Model Element Is Write Only",
            TypeMismatch => "Data Model Element Type Mismatch",
            ValueOutOfRange => "Data Model Element Value Out Of Range",
            DependencyNotEstablished => "Data Model Dependency Not Established",
        }
    }
}

/// A run-time error code of either version. Serialises as its number, as a string.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(untagged)]
pub enum ErrorCode {
    Scorm12(Scorm12Error),
    Scorm2004(Scorm2004Error),
}

impl ErrorCode {
    /// The code `number` means in `version`'s API, if it defines one.
    pub fn from_number(version: Version, number: u16) -> Option<Self> {
        let s = number.to_string();
        match version {
            Version::Scorm12 => s.parse().ok().map(ErrorCode::Scorm12),
            Version::Scorm2004 => s.parse().ok().map(ErrorCode::Scorm2004),
        }
    }

    /// "No error", in `version`'s API.
    pub fn none(version: Version) -> Self {
        match version {
            Version::Scorm12 => ErrorCode::Scorm12(Scorm12Error::NoError),
            Version::Scorm2004 => ErrorCode::Scorm2004(Scorm2004Error::NoError),
        }
    }

    /// The number as a string, as `GetLastError` returns it.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::Scorm12(e) => e.as_str(),
            ErrorCode::Scorm2004(e) => e.as_str(),
        }
    }

    pub fn number(self) -> u16 {
        match self {
            ErrorCode::Scorm12(e) => e.number(),
            ErrorCode::Scorm2004(e) => e.number(),
        }
    }

    pub fn description(self) -> &'static str {
        match self {
            ErrorCode::Scorm12(e) => e.description(),
            ErrorCode::Scorm2004(e) => e.description(),
        }
    }

    pub fn is_error(self) -> bool {
        self.number() != 0
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
