//! The transformer: ONNX bytes prepared once into a tract plan, then run on batches of ids.

use tract_onnx::prelude::*;

use super::rewrite::gather_before_dequantize;
use crate::{Error, Result};

/// The inputs the model takes, all `i64` of shape `[batch, sequence]`, in the order
/// [`Encoder::run`] receives them.
const INPUTS: [&str; 3] = ["input_ids", "attention_mask", "token_type_ids"];

/// A MiniLM-shaped encoder: `[batch, sequence]` ids in, `[batch, sequence, dim]` states out.
pub(crate) struct Encoder {
    plan: Arc<TypedSimplePlan>,
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
    /// graph for a symbolic batch size and sequence length. tract folds the remaining
    /// dequantization of the weight matrices (`Cast` then `Mul` on constants) into f32
    /// constants here, once, so no run repeats it.
    pub(crate) fn from_bytes(model: &[u8]) -> Result<Self> {
        let fail = |what: &str, e: TractError| Error::EmbedModel(format!("{what}: {e:#}"));
        // The file's value-info and output-shape hints name dimensions that tract cannot
        // reconcile with its own inference; ignoring them, tract infers every shape itself.
        let onnx = tract_onnx::onnx().with_ignore_output_shapes(true).with_ignore_value_info(true);
        let mut proto = onnx.proto_model_for_read(&mut &model[..]).map_err(|e| fail("not an ONNX model", e))?;
        let graph = proto.graph.as_mut().ok_or_else(|| Error::EmbedModel("the ONNX model has no graph".into()))?;
        gather_before_dequantize(graph);
        let mut model = onnx.model_for_proto_model(&proto).map_err(|e| fail("cannot read the ONNX graph", e))?;

        let names: Vec<String> = model
            .input_outlets()
            .map_err(|e| fail("no inputs", e))?
            .iter()
            .map(|outlet| model.node(outlet.node).name.clone())
            .collect();
        let mut slot = [0; 3];
        for (i, input) in INPUTS.iter().enumerate() {
            slot[i] = names.iter().position(|n| n == input).ok_or_else(|| {
                Error::EmbedModel(format!("the model has no input {input:?} (its inputs: {names:?})"))
            })?;
        }
        if names.len() != INPUTS.len() {
            return Err(Error::EmbedModel(format!("expected inputs {INPUTS:?}, the model has {names:?}")));
        }
        let batch = model.sym("batch");
        let sequence = model.sym("sequence");
        for ix in 0..names.len() {
            let fact = InferenceFact::dt_shape(i64::datum_type(), tvec!(batch.to_dim(), sequence.to_dim()));
            model.set_input_fact(ix, fact).map_err(|e| fail("cannot set the input shapes", e))?;
        }
        let mut model = model.into_typed().map_err(|e| fail("cannot type the model", e))?;
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
        Ok(Encoder { plan, slot, dim })
    }

    /// Width of each token's state (384 for MiniLM-L6).
    pub(crate) fn dim(&self) -> usize {
        self.dim
    }

    /// Runs the model; the result holds `rows * len * dim` floats, row-major.
    pub(crate) fn run(&self, batch: &Batch) -> Result<Vec<f32>> {
        let shape = [batch.rows, batch.len];
        let tensor = |data: &[i64]| Tensor::from_shape(&shape, data);
        let token_types = vec![0i64; batch.ids.len()];
        let by_name = [tensor(&batch.ids), tensor(&batch.mask), tensor(&token_types)];
        let mut inputs: TVec<TValue> = tvec!();
        for &want in &self.inverse_slots() {
            let t = by_name[want].as_ref().map_err(|e| Error::EmbedModel(format!("bad input shape {shape:?}: {e:#}")))?;
            inputs.push(t.clone().into());
        }
        let fail = |e: TractError| Error::EmbedModel(format!("inference failed on {shape:?} tokens: {e:#}"));
        let outputs = self.plan.run(inputs).map_err(fail)?;
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

/// The model's first output must be `[batch, sequence, dim]` with a fixed `dim`.
fn output_dim(model: &TypedModel) -> Result<usize> {
    let fact = model.output_fact(0).map_err(|e| Error::EmbedModel(format!("no output: {e:#}")))?;
    let shape = fact.shape.dims();
    match (fact.datum_type, shape.len(), shape.last().and_then(|d| d.to_i64().ok()).and_then(|d| usize::try_from(d).ok())) {
        (DatumType::F32, 3, Some(dim)) if dim > 0 => Ok(dim),
        _ => Err(Error::EmbedModel(format!(
            "the first output is {fact:?}; expected f32 [batch, sequence, dim] token states"
        ))),
    }
}
