//! The plain server's completion: names for the `greeting` prompt's `name`
//! argument, matched by prefix; with the fault that returns more values than
//! a completion result may hold.

use rmcp::model::{CompleteRequestParams, CompleteResult, CompletionInfo, ErrorData, Reference};

use super::NAMES;
use crate::faults::{Fault, FaultSet};

/// `completion/complete`.
pub(super) fn complete(
    request: &CompleteRequestParams,
    faults: &FaultSet,
) -> Result<CompleteResult, ErrorData> {
    let known = matches!(&request.r#ref, Reference::Prompt(p) if p.name == "greeting")
        && request.argument.name == "name";
    if !known {
        return Err(ErrorData::invalid_params("nothing to complete for this reference", None));
    }
    let prefix = request.argument.value.to_lowercase();
    let mut values: Vec<String> =
        NAMES.iter().filter(|n| n.to_lowercase().starts_with(&prefix)).map(|n| (*n).to_owned()).collect();
    if faults.contains(Fault::CompletionTooMany) {
        values = (0..150).map(|i| format!("Name{i}")).collect();
    }
    let mut info = CompletionInfo::default();
    info.total = u32::try_from(values.len()).ok();
    info.values = values;
    info.has_more = Some(false);
    Ok(CompleteResult::new(info))
}
