//! What the rules conclude, in a form every report format renders.

use serde::Serialize;

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    // Order matters: `Info < Warning < Error`, so `--fail-on` compares with `>=`.
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

/// The part of an entry a label points at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Area {
    Url,
    RequestHeader(String),
    RequestBody,
    ResponseHeader(String),
    ResponseBody,
    /// The redirect target a response sent (`Location` or HAR `redirectURL`).
    Location,
}

/// Where in an entry a fact was found: the area and the value as it appears there.
/// `needle` may be a raw secret: renderers look for it in text the policy has masked and show
/// only that text (see `report::snippet`).
#[derive(Clone, PartialEq, Eq)]
pub struct Locator {
    pub area: Area,
    pub needle: String,
}

impl std::fmt::Debug for Locator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Locator({:?}, #{})",
            self.area,
            crate::secret::fingerprint(&self.needle)
        )
    }
}

/// Where a label sits: a place in one entry, or a byte offset of the file (truncation).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Place {
    Entry {
        entry: usize,
        locator: Option<Locator>,
    },
    Offset(usize),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    pub place: Place,
    pub text: String,
}

/// Another entry that takes part in a finding (the first use of a reused code, say).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Related {
    pub entry: usize,
    pub note: String,
    pub locator: Option<Locator>,
}

/// One conclusion of one rule about one place in one capture. Every string here is already
/// masked; only locators hold raw needles.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub rule: String,
    pub severity: Severity,
    /// The flow of the step the finding points at, when it points at one.
    pub flow: Option<usize>,
    pub message: String,
    pub help: String,
    pub file: String,
    /// The 1-based entry the finding is about; `None` for whole-capture findings.
    pub entry: Option<usize>,
    pub method: Option<String>,
    /// The entry's URL with secret values masked.
    pub url: Option<String>,
    /// The entry's start time as recorded.
    pub time: Option<String>,
    pub labels: Vec<Label>,
    pub related: Vec<Related>,
    /// Where the finding and each of its labels sit in the file, filled in by
    /// `report::position::fill` while the capture's text is at hand (for JSON and NDJSON).
    pub positions: Option<Positions>,
    /// The profile the fix tells the user to use, and the entry of the request it is for
    /// (from the rule's `fix_profile`); `None` when the fix names no profile it can stand
    /// behind.
    pub fix_profile: Option<(usize, String)>,
}

/// A place in a capture file: 1-based line, and 1-based column in characters (code points).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Position {
    pub file: String,
    pub line: usize,
    pub column: usize,
}

/// The finding's own position and its labels' (in the order of `labels`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Positions {
    pub at: Option<Position>,
    pub labels: Vec<Option<Position>>,
}
