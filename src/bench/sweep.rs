//! `--users 1,8,32,128`: a sweep, one bounded run per step on the same
//! target, and a table (and in HTML a chart) of users against rate, latency
//! and errors, which shows where a server stops scaling.

use std::fmt;

/// The most steps a sweep may have.
pub const MAX_STEPS: usize = 32;

/// The `--users` value: one count, or the steps of a sweep.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserSteps(pub Vec<u32>);

impl UserSteps {
    pub fn is_sweep(&self) -> bool {
        self.0.len() > 1
    }
}

impl fmt::Display for UserSteps {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let list: Vec<String> = self.0.iter().map(u32::to_string).collect();
        f.write_str(&list.join(","))
    }
}

/// `8` or `1,8,32,128`: each from 1 to 10,000, at most [`MAX_STEPS`] of them.
pub fn parse_users(s: &str) -> Result<UserSteps, String> {
    let mut out = Vec::new();
    for part in s.split(',') {
        let n: u32 = part.trim().parse().map_err(|_| format!("{part:?} is not a number of users"))?;
        if !(1..=10_000).contains(&n) {
            return Err(format!("{n} is not in 1..=10000"));
        }
        out.push(n);
    }
    if out.len() > MAX_STEPS {
        return Err(format!("a sweep has at most {MAX_STEPS} steps"));
    }
    Ok(UserSteps(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_lists() {
        assert_eq!(parse_users("8"), Ok(UserSteps(vec![8])));
        assert_eq!(parse_users("1, 8,32"), Ok(UserSteps(vec![1, 8, 32])));
        assert!(parse_users("0").is_err());
        assert!(parse_users("1,,2").is_err());
        assert!(parse_users("many").is_err());
        assert!(parse_users("1,8").unwrap().is_sweep());
    }
}
