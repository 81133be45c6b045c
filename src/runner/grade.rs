//! Grading: a check's verdict becomes a result with the status its
//! requirement's level calls for. MUST → fail, SHOULD → warn, MAY → info;
//! a pass, skip, info or error stays what it is. One place, so built-in
//! checks and scenario steps are graded alike.

use crate::checks::{Check, Verdict};
use crate::report::model::{CheckResult, Exchange, Status};
use crate::scenario::exec::StepResult;
use crate::spec::{Level, SpecVersion};
use std::time::Duration;

/// A verdict as the report holds it: status, message, expected, actual.
pub struct Graded {
    pub status: Status,
    pub message: String,
    pub expected: Option<String>,
    pub actual: Option<String>,
}

/// Grades the verdict of a requirement of `level`.
pub fn verdict(v: Verdict, level: Level) -> Graded {
    let plain = |status, message| Graded { status, message, expected: None, actual: None };
    match v {
        Verdict::Pass(m) => plain(Status::Pass, m),
        Verdict::Info(m) => plain(Status::Info, m),
        Verdict::Skip(m) => plain(Status::Skip, m),
        Verdict::Error(m) => plain(Status::Error, m),
        Verdict::Violation { message, expected, actual } => Graded {
            status: match level {
                Level::Must => Status::Fail,
                Level::Should => Status::Warn,
                Level::May => Status::Info,
            },
            message,
            expected: Some(expected),
            actual: Some(actual),
        },
    }
}

/// A built-in check's result on one revision.
pub fn check(
    check: &Check,
    version: SpecVersion,
    v: Verdict,
    exchanges: Vec<Exchange>,
    elapsed: Duration,
) -> CheckResult {
    let what = Requirement {
        id: check.id,
        title: check.title,
        level: check.level,
        spec_ref: check.spec.for_version(version),
        requirement: check.requirement,
    };
    result(&what, version, v, exchanges, elapsed)
}

/// What a result names of the requirement it grades.
pub struct Requirement<'a> {
    pub id: &'a str,
    pub title: &'a str,
    pub level: Level,
    pub spec_ref: String,
    pub requirement: &'a str,
}

/// Any requirement's result on one revision (built-in, client, scenario run).
pub fn result(
    what: &Requirement,
    version: SpecVersion,
    v: Verdict,
    exchanges: Vec<Exchange>,
    elapsed: Duration,
) -> CheckResult {
    let g = verdict(v, what.level);
    CheckResult {
        id: what.id.into(),
        revision: version.to_string(),
        title: what.title.into(),
        level: what.level,
        status: g.status,
        spec_ref: what.spec_ref.clone(),
        requirement: what.requirement.into(),
        message: g.message,
        expected: g.expected,
        actual: g.actual,
        duration_ms: elapsed.as_millis() as u64,
        exchanges,
    }
}

/// A scenario step's result: its expectations are the user's MUSTs.
pub fn step(s: StepResult) -> CheckResult {
    let g = verdict(s.verdict, Level::Must);
    CheckResult {
        id: s.id,
        revision: s.version.to_string(),
        title: s.title,
        level: Level::Must,
        status: g.status,
        spec_ref: s.spec_ref,
        requirement: s.requirement,
        message: g.message,
        expected: g.expected,
        actual: g.actual,
        duration_ms: s.elapsed.as_millis() as u64,
        exchanges: s.exchanges,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_violation_is_graded_by_level_and_keeps_its_evidence() {
        let v = || Verdict::violation("m", "e", "a");
        assert_eq!(verdict(v(), Level::Must).status, Status::Fail);
        assert_eq!(verdict(v(), Level::Should).status, Status::Warn);
        assert_eq!(verdict(v(), Level::May).status, Status::Info);
        let g = verdict(v(), Level::Must);
        assert_eq!((g.expected.as_deref(), g.actual.as_deref()), (Some("e"), Some("a")));
        assert_eq!(verdict(Verdict::Error("t".into()), Level::May).status, Status::Error);
        assert_eq!(verdict(Verdict::Pass("p".into()), Level::Must).status, Status::Pass);
    }
}
