//! Recording a set's planned cases: every planned case ends up recorded exactly once.

use sonet_report::model::SetResult;
use sonet_suites::runner::{record, CaseError};

use super::Plan;

/// Records the planned cases of one set; whatever was not recorded when the job ends is
/// recorded as failed ("not reached") or unsupported, so every set always has its planned cases.
pub(super) struct Recorder<'a> {
    set: &'a mut SetResult,
    params: &'static str,
    plan: Plan,
    recorded: Vec<bool>,
}

impl<'a> Recorder<'a> {
    pub(super) fn new(set: &'a mut SetResult, params: &'static str, plan: Plan) -> Self {
        set.expected_cases = Some(plan.len() as u64);
        Recorder {
            set,
            params,
            plan,
            recorded: vec![false; plan.len()],
        }
    }

    fn put(&mut self, id: &str, result: Result<String, CaseError>) {
        let Some(index) = self.plan.iter().position(|(planned, _)| *planned == id) else {
            self.set.error = Some(format!("the job recorded an unplanned case {id:?}"));
            return;
        };
        if self.recorded[index] {
            self.set.error = Some(format!("the job recorded case {id:?} twice"));
            return;
        }
        self.recorded[index] = true;
        let kind = self.plan[index].1;
        record(self.set, id.to_owned(), self.params, kind, result);
    }

    /// Records a check.
    pub(super) fn check(&mut self, id: &str, result: Result<String, String>) {
        self.put(id, result.map_err(CaseError::Fail));
    }

    /// Records a check that later steps depend on: a failure ends the job.
    pub(super) fn must<T>(
        &mut self,
        id: &str,
        result: Result<(T, String), String>,
    ) -> Result<T, String> {
        match result {
            Ok((value, detail)) => {
                self.check(id, Ok(detail));
                Ok(value)
            }
            Err(detail) => {
                self.check(id, Err(detail));
                Err(format!("{id} failed"))
            }
        }
    }

    pub(super) fn finish(&mut self, why: Result<String, String>) {
        for index in 0..self.plan.len() {
            if self.recorded[index] {
                continue;
            }
            let id = self.plan[index].0;
            let result = match &why {
                Ok(unsupported) => Err(CaseError::Unsupported(unsupported.clone())),
                Err(reason) => Err(CaseError::Fail(format!("not reached: {reason}"))),
            };
            self.put(id, result);
        }
    }
}
