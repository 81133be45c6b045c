//! Load mixes: a scenario whose steps carry `weight = N` describes the
//! traffic `mcpcheck bench` sends: its setup steps run once per virtual user,
//! then steps are drawn at random in proportion to their weights, and every
//! answer is held to the step's expectations (failures counted, not fatal).
//!
//! Only the model lives here; the loader has already enforced the rules
//! (every non-setup step weighted, weights ≥ 1, no captures outside setup).
//! The benchmark driver consumes [`LoadMix`].

use super::load::Loaded;

/// One weighted step of a mix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MixEntry {
    /// Index into the scenario's steps.
    pub step: usize,
    pub weight: u32,
}

/// The draw table of a load mix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadMix {
    /// Setup steps, in order: run once before drawing.
    pub setup: Vec<usize>,
    pub entries: Vec<MixEntry>,
    /// Sum of the weights (≥ 1).
    pub total: u64,
}

impl LoadMix {
    /// The mix a scenario describes; `None` when no step has a weight (a
    /// functional scenario).
    pub fn of(loaded: &Loaded) -> Option<LoadMix> {
        let steps = &loaded.scenario.steps;
        let entries: Vec<MixEntry> = steps
            .iter()
            .enumerate()
            .filter_map(|(i, s)| s.get_ref().weight.map(|w| MixEntry { step: i, weight: w.max(1) }))
            .collect();
        if entries.is_empty() {
            return None;
        }
        let setup = steps.iter().enumerate().filter(|(_, s)| s.get_ref().setup).map(|(i, _)| i).collect();
        let total = entries.iter().map(|e| u64::from(e.weight)).sum();
        Some(LoadMix { setup, entries, total })
    }

    /// The step a draw `r` picks: `r` is taken modulo the total weight, so
    /// a uniform random `u64` gives each step its share.
    pub fn pick(&self, r: u64) -> usize {
        let mut at = r % self.total.max(1);
        for e in &self.entries {
            if at < u64::from(e.weight) {
                return e.step;
            }
            at -= u64::from(e.weight);
        }
        self.entries.last().map_or(0, |e| e.step)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::{Path, PathBuf};

    #[test]
    fn draws_in_proportion_to_weights() {
        let text = "name = \"m\"\n[[steps]]\nname = \"s\"\nsetup = true\nmethod = \"ping\"\n\
                    [[steps]]\nname = \"a\"\nmethod = \"ping\"\nweight = 3\n\
                    [[steps]]\nname = \"b\"\nmethod = \"tools/list\"\nweight = 1\n";
        let scenario = crate::scenario::load::parse(Path::new("m.toml"), text).expect("valid");
        let loaded = Loaded { path: PathBuf::from("m.toml"), stem: "m".into(), scenario, step_lines: vec![] };
        let mix = LoadMix::of(&loaded).expect("a mix");
        assert_eq!(mix.setup, vec![0]);
        assert_eq!(mix.total, 4);
        let picks: Vec<usize> = (0..8).map(|r| mix.pick(r)).collect();
        assert_eq!(picks, vec![1, 1, 1, 2, 1, 1, 1, 2]);
    }
}
