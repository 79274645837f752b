//! The transformer: ONNX bytes prepared into tract plans, then run on batches of ids.

use std::collections::HashMap;
use std::sync::Mutex;

use tract_onnx::prelude::*;

use super::rewrite::{fold_dequantized_weights, gather_before_dequantize, scale_after_matmul};
use crate::{Error, Result};

/// The inputs the model takes, all `i64` of shape `[batch, sequence]`, in the order
/// [`Encoder::run`] receives them.
const INPUTS: [&str; 3] = ["input_ids", "attention_mask", "token_type_ids"];

/// A MiniLM-shaped encoder: `[batch, sequence]` ids in, `[batch, sequence, dim]` states out.
///
/// Each plan is optimised for one batch size and any sequence length. A fixed batch size
/// matters: with both dimensions symbolic, tract cannot prove that an element-wise operation
/// on `[batch, sequence, 1536]` is large enough for its vectorised by-scalar kernels and
/// falls back to generic broadcasting, which made a 128-token query 1.7x slower (measured
/// natively: 101 ms against 59 ms). The single-text plan (batch 1, the browser's) is built at
/// load; the pipeline's batch sizes are planned on first use, natively only.
pub(crate) struct Encoder {
    single: Arc<TypedSimplePlan>,
    /// The prepared ONNX bytes, kept (natively) to plan other batch sizes.
    source: Option<Vec<u8>>,
    batched: Mutex<HashMap<usize, Arc<TypedSimplePlan>>>,
    /// `slot[i]` is the position among the plan's inputs of `INPUTS[i]`.
    slot: [usize; 3],
    dim: usize,
}

/// One batch of right-padded token ids, row-major `[rows, len]`.
pub(crate) struct Batch {
    pub rows: usize,
    pub len: usize,
    pub ids: Vec<i64>,
    pub mask: Vec<i64>,
}

impl Encoder {
    /// Parses the ONNX bytes, applies [`gather_before_dequantize`], and lets tract optimise the
    /// graph for one text of any length. tract folds the remaining dequantization of the
    /// weight matrices (`Cast` then `Mul` on constants) into f32 constants here, once, so no
    /// run repeats it.
    pub(crate) fn from_bytes(model: &[u8]) -> Result<Self> {
        let (single, slot, dim) = plan(model, 1)?;
        let source = (!cfg!(target_arch = "wasm32")).then(|| model.to_vec());
        Ok(Encoder { single, source, batched: Mutex::new(HashMap::new()), slot, dim })
    }

    /// Width of each token's state (384 for MiniLM-L6).
    pub(crate) fn dim(&self) -> usize {
        self.dim
    }

    /// Whether runs of more than one text can be planned here (natively; on wasm32 only the
    /// single-text plan is kept, to spare the browser a second copy of the weights).
    pub(crate) fn plans_batches(&self) -> bool {
        self.source.is_some()
    }

    /// The plan for `rows` texts at a time.
    fn plan_for(&self, rows: usize) -> Result<Arc<TypedSimplePlan>> {
        if rows == 1 {
            return Ok(self.single.clone());
        }
        let Some(source) = &self.source else {
            return Err(Error::EmbedModel(format!(
                "batches of {rows} texts are not planned on this target; embed one text at a time"
            )));
        };
        let mut plans = self.batched.lock().map_err(|_| Error::EmbedModel("an embedding thread panicked".into()))?;
        if let Some(plan) = plans.get(&rows) {
            return Ok(plan.clone());
        }
        let (plan, _, _) = plan(source, rows)?;
        plans.insert(rows, plan.clone());
        Ok(plan)
    }

    /// Runs the model; the result holds `rows * len * dim` floats, row-major.
    pub(crate) fn run(&self, batch: &Batch) -> Result<Vec<f32>> {
        let shape = [batch.rows, batch.len];
        let tensor = |data: &[i64]| Tensor::from_shape(&shape, data);
        let token_types = vec![0i64; batch.ids.len()];
        let by_name = [&batch.ids, &batch.mask, &token_types];
        let mut inputs: TVec<TValue> = tvec!();
        for &want in &self.inverse_slots() {
            let t =
                tensor(by_name[want]).map_err(|e| Error::EmbedModel(format!("bad input shape {shape:?}: {e:#}")))?;
            inputs.push(t.into());
        }
        let fail = |e: TractError| Error::EmbedModel(format!("inference failed on {shape:?} tokens: {e:#}"));
        let outputs = self.plan_for(batch.rows)?.run(inputs).map_err(fail)?;
        let states = outputs[0].to_plain_array_view::<f32>().map_err(fail)?;
        let expected = [batch.rows, batch.len, self.dim];
        if states.shape() != expected {
            return Err(Error::EmbedModel(format!("output has shape {:?}, expected {expected:?}", states.shape())));
        }
        Ok(states.iter().copied().collect())
    }

    /// For each of the plan's input positions, which of [`INPUTS`] goes there.
    fn inverse_slots(&self) -> [usize; 3] {
        let mut order = [0; 3];
        for (i, &slot) in self.slot.iter().enumerate() {
            order[slot] = i;
        }
        order
    }
}

/// Prepares the model for `rows` texts of a symbolic length: the plan, where each of
/// [`INPUTS`] sits among its inputs, and the width of its token states.
fn plan(model: &[u8], rows: usize) -> Result<(Arc<TypedSimplePlan>, [usize; 3], usize)> {
    let fail = |what: &str, e: TractError| Error::EmbedModel(format!("{what}: {e:#}"));
    // The file's value-info and output-shape hints name dimensions that tract cannot
    // reconcile with its own inference; ignoring them, tract infers every shape itself.
    let onnx = tract_onnx::onnx().with_ignore_output_shapes(true).with_ignore_value_info(true);
    let mut proto = onnx.proto_model_for_read(&mut &model[..]).map_err(|e| fail("not an ONNX model", e))?;
    let graph = proto.graph.as_mut().ok_or_else(|| Error::EmbedModel("the ONNX model has no graph".into()))?;
    gather_before_dequantize(graph);
    if super::wants_integer_weights() {
        scale_after_matmul(graph);
    } else {
        fold_dequantized_weights(graph);
    }
    let mut model = onnx.model_for_proto_model(&proto).map_err(|e| fail("cannot read the ONNX graph", e))?;
    // tract copied the initializers; the proto's (88 MB once the weights are folded to f32)
    // would otherwise stay alive through typing and optimisation, at the peak.
    drop(proto);

    let names: Vec<String> = model
        .input_outlets()
        .map_err(|e| fail("no inputs", e))?
        .iter()
        .map(|outlet| model.node(outlet.node).name.clone())
        .collect();
    let mut slot = [0; 3];
    for (i, input) in INPUTS.iter().enumerate() {
        slot[i] = names
            .iter()
            .position(|n| n == input)
            .ok_or_else(|| Error::EmbedModel(format!("the model has no input {input:?} (its inputs: {names:?})")))?;
    }
    if names.len() != INPUTS.len() {
        return Err(Error::EmbedModel(format!("expected inputs {INPUTS:?}, the model has {names:?}")));
    }
    let sequence = model.sym("sequence");
    // Every text has at least [CLS] and [SEP]; saying so lets tract prove sizes (see Encoder).
    model.symbols.add_assertion("sequence >= 1").map_err(|e| fail("cannot bound the sequence length", e))?;
    for ix in 0..names.len() {
        let fact = InferenceFact::dt_shape(i64::datum_type(), tvec!(rows.to_dim(), sequence.to_dim()));
        model.set_input_fact(ix, fact).map_err(|e| fail("cannot set the input shapes", e))?;
    }
    let mut model = model.into_typed().map_err(|e| fail("cannot type the model", e))?;
    // Before the simplification, which then prunes the guards' unused IsNaN nodes.
    drop_nan_guards(&mut model).map_err(|e| fail("cannot simplify the attention", e))?;
    model.declutter().map_err(|e| fail("cannot simplify the model", e))?;
    // tract 0.23.9's simplification folds the always-true half of the attention-mask
    // expression into a constant that has lost a broadcast axis: the mask then computes
    // [batch, 1, 1, sequence] (all attention needs, as it is the same for every query)
    // while the graph still records [batch, 1, sequence, sequence]. Recomputing the
    // recorded shapes makes them agree before kernels are chosen from them.
    model.refresh_output_facts().map_err(|e| fail("cannot recompute shapes", e))?;
    model.optimize().map_err(|e| fail("cannot optimise the model", e))?;
    let dim = output_dim(&model)?;
    let plan = model.into_runnable().map_err(|e| fail("cannot plan the model", e))?;
    Ok((plan, slot, dim))
}

/// Removes `Where(IsNaN(p), 0, p)` after each attention softmax: the exporter's guard for a
/// row with every key masked by `-inf`. This model masks with the finite -3.4e38, so the
/// softmax has at least one finite input per row and no NaN to guard against; the guard was
/// 15% of a 128-token query (a generic select over `[batch, 12, sequence, sequence]`).
fn drop_nan_guards(model: &mut TypedModel) -> TractResult<()> {
    use tract_onnx::tract_hir::tract_core::ops::logic::Iff;
    let mut guards = vec![];
    for node in model.nodes() {
        if !node.op_is::<Iff>() || node.inputs.len() != 3 {
            continue;
        }
        let (cond, zero, value) = (node.inputs[0], node.inputs[1], node.inputs[2]);
        let is_nan_of_value = {
            let c = model.node(cond.node);
            c.op.name() == "IsNan" && c.inputs == [value]
        };
        let is_zero = model.outlet_fact(zero)?.konst.as_ref().is_some_and(|k| k.is_all_zero().unwrap_or(false));
        if is_nan_of_value && is_zero && model.outlet_fact(value)? == &node.outputs[0].fact {
            guards.push((node.id, value));
        }
    }
    for &(guard, value) in &guards {
        let mut patch = TypedModelPatch::default();
        let tap = patch.tap_model(model, value)?;
        patch.shunt_outside(model, OutletId::new(guard, 0), tap)?;
        patch.apply(model)?;
    }
    Ok(())
}

/// The model's first output must be `[batch, sequence, dim]` with a fixed `dim`.
fn output_dim(model: &TypedModel) -> Result<usize> {
    let fact = model.output_fact(0).map_err(|e| Error::EmbedModel(format!("no output: {e:#}")))?;
    let shape = fact.shape.dims();
    match (
        fact.datum_type,
        shape.len(),
        shape.last().and_then(|d| d.to_i64().ok()).and_then(|d| usize::try_from(d).ok()),
    ) {
        (DatumType::F32, 3, Some(dim)) if dim > 0 => Ok(dim),
        _ => Err(Error::EmbedModel(format!(
            "the first output is {fact:?}; expected f32 [batch, sequence, dim] token states"
        ))),
    }
}
