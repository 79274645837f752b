//! Rewrites of the ONNX graph before tract sees it: look rows up, then dequantize them; and
//! either (the AMX kernel) scale a product's result instead of its int8 weights, or (every
//! other kernel) dequantize the weights here, in one pass, rather than in tract's typing.
//!
//! The int8 MiniLM file stores its embedding tables as int8 rows with one f32 scale per row,
//! and its graph rebuilds the f32 table before the lookup:
//!
//! ```text
//! table = Cast(table_q) * scale          # 30522 x 384 floats
//! rows  = Gather(table, input_ids)
//! ```
//!
//! Run as shipped, that dequantizes the whole word table for every text; left to constant
//! folding, it keeps a 47 MB f32 copy of the table in memory. Gathering first is the same
//! arithmetic on only the rows that are used, and keeps the table int8:
//!
//! ```text
//! rows = Cast(Gather(table_q, input_ids)) * Gather(scale, input_ids)
//! ```
//!
//! Each element is still `f32(q) * s` for the same `q` and `s`, so the result is bit-identical.

use std::collections::HashMap;

use tract_onnx::pb::{attribute_proto::AttributeType, AttributeProto, GraphProto, NodeProto, TensorProto};

/// ONNX `TensorProto.DataType` codes used here.
const FLOAT: i32 = 1;
const INT8: i32 = 3;

/// A lookup whose table is dequantized just before it: `Gather(Cast(q) * scale, indices)`.
struct Match {
    gather: usize,
    table_q: String,
    scale: Scale,
    indices: String,
    output: String,
}

enum Scale {
    /// One scale per table row (shape `[rows, 1]`): looked up with the same indices.
    PerRow(String),
    /// One scale for all rows (a single number, or one per column): applies to the rows as is.
    Shared(String),
}

/// Rewrites every `Gather(Cast(q) * scale, indices)` on axis 0, where `q` is an int8 matrix
/// initializer and `scale` an f32 initializer, into `Cast(Gather(q, indices)) * scale'`, with
/// `scale'` the scale's rows for those indices when it has one per row. Returns the number of
/// lookups rewritten. Cast and Mul nodes left without consumers are removed.
pub(crate) fn gather_before_dequantize(graph: &mut GraphProto) -> usize {
    let matches = find(graph);
    for m in matches.iter().rev() {
        let replacement = replacement(m);
        graph.node.splice(m.gather..=m.gather, replacement);
    }
    if !matches.is_empty() {
        remove_dead_nodes(graph);
    }
    matches.len()
}

fn find(graph: &GraphProto) -> Vec<Match> {
    let sources = Sources::new(graph);
    let mut found = vec![];
    for (ix, gather) in graph.node.iter().enumerate() {
        // The model file is untrusted input: every operand and output count is checked before
        // it is indexed.
        if gather.op_type != "Gather"
            || gather.input.len() != 2
            || gather.output.len() != 1
            || int_attribute(gather, "axis", 0) != 0
        {
            continue;
        }
        let Some(table) = sources.dequantized(&gather.input[0]) else { continue };
        let scale = match table.scale.dims.as_slice() {
            [rows, 1] if *rows == table.q.dims[0] => Scale::PerRow(table.scale.name.clone()),
            [] | [_] | [1, _] => Scale::Shared(table.scale.name.clone()),
            _ => continue,
        };
        found.push(Match {
            gather: ix,
            table_q: table.q.name.clone(),
            scale,
            indices: gather.input[1].clone(),
            output: gather.output[0].clone(),
        });
    }
    found
}

/// Where a graph's values come from: the node that computes each, and the initializers.
struct Sources<'g> {
    producer: HashMap<&'g str, &'g NodeProto>,
    initializer: HashMap<&'g str, &'g TensorProto>,
}

/// A value computed as `Cast(q) * scale` (either order), with `q` an int8 matrix initializer
/// and `scale` an f32 initializer of any shape.
struct Dequantized<'g> {
    /// The name of `Cast(q)`.
    cast: &'g String,
    q: &'g TensorProto,
    scale: &'g TensorProto,
}

impl<'g> Sources<'g> {
    fn new(graph: &'g GraphProto) -> Self {
        let producer =
            graph.node.iter().flat_map(|node| node.output.iter().map(move |out| (out.as_str(), node))).collect();
        let initializer = graph.initializer.iter().map(|t| (t.name.as_str(), t)).collect();
        Sources { producer, initializer }
    }

    fn dequantized(&self, value: &str) -> Option<Dequantized<'g>> {
        let mul = self.producer.get(value).filter(|n| n.op_type == "Mul" && n.input.len() == 2)?;
        // Mul is commutative: the cast may be either operand.
        for (cast_out, scale) in [(&mul.input[0], &mul.input[1]), (&mul.input[1], &mul.input[0])] {
            let Some(cast) = self.producer.get(cast_out.as_str()) else { continue };
            if cast.op_type != "Cast" || cast.input.len() != 1 || int_attribute(cast, "to", 0) != i64::from(FLOAT) {
                continue;
            }
            let (Some(q), Some(scale)) =
                (self.initializer.get(cast.input[0].as_str()), self.initializer.get(scale.as_str()))
            else {
                continue;
            };
            if q.data_type == INT8 && q.dims.len() == 2 && scale.data_type == FLOAT {
                return Some(Dequantized { cast: cast_out, q, scale });
            }
        }
        None
    }
}

/// Rewrites every `MatMul(x, Cast(q) * scale)`, where `q` is an int8 `[k, m]` initializer and
/// `scale` an f32 initializer with one number per output column (`[m]` or `[1, m]`) or one
/// for all, into `MatMul(x, Cast(q)) * scale`: the same product, `sum_k x q s = s sum_k x q`,
/// up to f32 rounding. The matrix tract then folds is `q` as floats, small integers that bf16
/// holds exactly, which is what the AMX kernel (`crates/kernels/src/amx.rs`) needs to multiply
/// it without loss. Returns the number of products rewritten.
pub(crate) fn scale_after_matmul(graph: &mut GraphProto) -> usize {
    let sources = Sources::new(graph);
    // (MatMul index, the cast's output, the scale).
    let mut found = vec![];
    for (ix, matmul) in graph.node.iter().enumerate() {
        if matmul.op_type != "MatMul" || matmul.input.len() != 2 || matmul.output.len() != 1 {
            continue;
        }
        let Some(weights) = sources.dequantized(&matmul.input[1]) else { continue };
        let per_column = match weights.scale.dims.as_slice() {
            [] | [1] | [1, 1] => true,
            [m] | [1, m] => *m == weights.q.dims[1],
            _ => false,
        };
        if per_column {
            found.push((ix, weights.cast.clone(), weights.scale.name.clone()));
        }
    }
    for (ix, cast_out, scale) in found.iter().rev() {
        let matmul = &mut graph.node[*ix];
        let output = matmul.output[0].clone();
        let unscaled = format!("{output}__unscaled");
        matmul.output[0] = unscaled.clone();
        matmul.input[1] = cast_out.clone();
        let scaled = node("Mul", &format!("{output}__scale"), &[&unscaled, scale], &output, vec![]);
        graph.node.insert(ix + 1, scaled);
    }
    if !found.is_empty() {
        remove_dead_nodes(graph);
    }
    found.len()
}

/// Rewrites every `MatMul(x, Cast(q) * scale)`, where `q` is an int8 `[k, m]` initializer and
/// `scale` an f32 initializer with one number per output column (`[m]` or `[1, m]`) or one
/// for all, into `MatMul(x, w)` with `w = f32(q) * scale` computed here into an f32
/// initializer: the values tract would fold, bit for bit, since each is the same single f32
/// product. tract folds them through its generic broadcast evaluation while typing the graph,
/// which was about a third of loading the model (`perf` of the CLI); this is one pass over the
/// bytes. Initializers left unused are dropped. An initializer whose data is not in
/// `raw_data` (or `int32_data` / `float_data`) of exactly its size is left to tract. Returns
/// the number of weight matrices folded.
pub(crate) fn fold_dequantized_weights(graph: &mut GraphProto) -> usize {
    let sources = Sources::new(graph);
    // (MatMul index, the folded initializer's name), and the folded initializers.
    let mut rewired: Vec<(usize, String)> = vec![];
    let mut folded: HashMap<String, TensorProto> = HashMap::new();
    for (ix, matmul) in graph.node.iter().enumerate() {
        if matmul.op_type != "MatMul" || matmul.input.len() != 2 || matmul.output.len() != 1 {
            continue;
        }
        let Some(weights) = sources.dequantized(&matmul.input[1]) else { continue };
        let name = format!("{}__folded", matmul.input[1]);
        if !folded.contains_key(&name) {
            let Some(tensor) = fold(weights.q, weights.scale, &name) else { continue };
            folded.insert(name.clone(), tensor);
        }
        rewired.push((ix, name));
    }
    for (ix, name) in &rewired {
        graph.node[*ix].input[1] = name.clone();
    }
    if !rewired.is_empty() {
        graph.initializer.extend(folded.into_values());
        remove_dead_nodes(graph);
        let used: std::collections::HashSet<String> = graph.node.iter().flat_map(|n| n.input.iter().cloned()).collect();
        graph.initializer.retain(|t| used.contains(&t.name) || graph.output.iter().any(|o| o.name == t.name));
    }
    rewired.len()
}

/// `f32(q) * scale` as an f32 initializer named `name`, for an int8 `[k, m]` `q` and a scale
/// with one value or one per column; `None` for any other shape or data layout.
fn fold(q: &TensorProto, scale: &TensorProto, name: &str) -> Option<TensorProto> {
    let [k, m] = q.dims[..] else { return None };
    let (k, m) = (usize::try_from(k).ok()?, usize::try_from(m).ok()?);
    let n = k.checked_mul(m)?;
    let values: Vec<i8> = if q.raw_data.len() == n {
        q.raw_data.iter().map(|&b| b as i8).collect()
    } else if q.raw_data.is_empty() && q.int32_data.len() == n {
        q.int32_data.iter().map(|&v| i8::try_from(v).ok()).collect::<Option<_>>()?
    } else {
        return None;
    };
    let per_column = match scale.dims.as_slice() {
        [] | [1] | [1, 1] => false,
        [c] | [1, c] if usize::try_from(*c).ok()? == m => true,
        _ => return None,
    };
    let count = if per_column { m } else { 1 };
    let scales: Vec<f32> = if scale.raw_data.len() == 4 * count {
        scale.raw_data.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect()
    } else if scale.raw_data.is_empty() && scale.float_data.len() == count {
        scale.float_data.clone()
    } else {
        return None;
    };
    // Row by row against the row of scales, into `float_data` sized once: the browser's
    // embedder module is compiled for size, where a per-element modulo, push and byte copy
    // made this loop a sixth of creating the embedder.
    let row_scales = if per_column { scales } else { vec![scales[0]; m] };
    let mut floats = Vec::with_capacity(n);
    for q_row in values.chunks_exact(m) {
        floats.extend(q_row.iter().zip(&row_scales).map(|(&v, &s)| f32::from(v) * s));
    }
    Some(TensorProto {
        name: name.into(),
        data_type: FLOAT,
        dims: q.dims.clone(),
        float_data: floats,
        ..Default::default()
    })
}

/// The rewrites on a model file's bytes, twice each, as the fuzzer runs them (`fuzz/`):
/// lookups and scaled products on one copy, folded weights on another (the embedder runs one
/// of the two product rewrites). The model is untrusted input, so whatever the bytes, this
/// returns the counts or a typed error.
pub(crate) fn rewrite_bytes(model: &[u8]) -> crate::Result<[usize; 6]> {
    use tract_onnx::prelude::Framework;
    let mut proto = tract_onnx::onnx()
        .proto_model_for_read(&mut &model[..])
        .map_err(|e| crate::Error::EmbedModel(format!("not an ONNX model: {e:#}")))?;
    let graph = proto.graph.as_mut().ok_or_else(|| crate::Error::EmbedModel("the ONNX model has no graph".into()))?;
    let mut other = graph.clone();
    let first = [gather_before_dequantize(graph), scale_after_matmul(graph)];
    let folded = fold_dequantized_weights(&mut other);
    Ok([
        first[0],
        first[1],
        gather_before_dequantize(graph),
        scale_after_matmul(graph),
        folded,
        fold_dequantized_weights(&mut other),
    ])
}

fn replacement(m: &Match) -> Vec<NodeProto> {
    let name = |suffix: &str| format!("{}__{suffix}", m.output);
    let mut nodes = vec![
        node("Gather", &name("gather_q"), &[&m.table_q, &m.indices], &name("rows_q"), vec![int("axis", 0)]),
        node("Cast", &name("cast"), &[&name("rows_q")], &name("rows_f"), vec![int("to", FLOAT.into())]),
    ];
    let scale = match &m.scale {
        Scale::PerRow(row_scale) => {
            nodes.push(node(
                "Gather",
                &name("gather_scale"),
                &[row_scale, &m.indices],
                &name("rows_scale"),
                vec![int("axis", 0)],
            ));
            name("rows_scale")
        }
        Scale::Shared(scale) => scale.clone(),
    };
    nodes.push(node("Mul", &name("dequantize"), &[&name("rows_f"), &scale], &m.output, vec![]));
    nodes
}

/// Drops nodes none of whose outputs is used by another node or by the graph's outputs,
/// repeating until none is left (the Mul goes first, then the Cast that fed it).
fn remove_dead_nodes(graph: &mut GraphProto) {
    loop {
        let mut used: HashMap<&str, ()> = graph.output.iter().map(|o| (o.name.as_str(), ())).collect();
        used.extend(graph.node.iter().flat_map(|n| n.input.iter().map(|i| (i.as_str(), ()))));
        let dead: Vec<usize> = (0..graph.node.len())
            .filter(|&ix| graph.node[ix].output.iter().all(|o| !used.contains_key(o.as_str())))
            .collect();
        if dead.is_empty() {
            return;
        }
        for ix in dead.into_iter().rev() {
            graph.node.remove(ix);
        }
    }
}

fn int_attribute(node: &NodeProto, name: &str, default: i64) -> i64 {
    node.attribute.iter().find(|a| a.name == name).map_or(default, |a| a.i)
}

fn int(name: &str, value: i64) -> AttributeProto {
    AttributeProto { name: name.into(), r#type: AttributeType::Int as i32, i: value, ..Default::default() }
}

fn node(op: &str, name: &str, inputs: &[&String], output: &str, attribute: Vec<AttributeProto>) -> NodeProto {
    NodeProto {
        op_type: op.into(),
        name: name.into(),
        input: inputs.iter().map(|s| s.to_string()).collect(),
        output: vec![output.into()],
        attribute,
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tract_onnx::pb::ValueInfoProto;

    fn tensor(name: &str, data_type: i32, dims: &[i64]) -> TensorProto {
        TensorProto { name: name.into(), data_type, dims: dims.to_vec(), ..Default::default() }
    }

    fn s(x: &str) -> String {
        x.to_string()
    }

    /// The pattern as exported: Cast and Mul on the initializers, then Gather.
    fn quantized_lookup(scale_dims: &[i64]) -> GraphProto {
        GraphProto {
            initializer: vec![tensor("table_q", INT8, &[10, 4]), tensor("scale", FLOAT, scale_dims)],
            node: vec![
                node("Cast", "cast", &[&s("table_q")], "table_f", vec![int("to", 1)]),
                node("Mul", "mul", &[&s("table_f"), &s("scale")], "table", vec![]),
                node("Gather", "lookup", &[&s("table"), &s("ids")], "rows", vec![int("axis", 0)]),
                node("Relu", "after", &[&s("rows")], "out", vec![]),
            ],
            output: vec![ValueInfoProto { name: "out".into(), ..Default::default() }],
            ..Default::default()
        }
    }

    fn ops(graph: &GraphProto) -> Vec<(&str, Vec<&str>)> {
        graph.node.iter().map(|n| (n.op_type.as_str(), n.input.iter().map(|i| i.as_str()).collect())).collect()
    }

    #[test]
    fn per_row_scale_is_gathered_with_the_rows() {
        let mut graph = quantized_lookup(&[10, 1]);
        assert_eq!(gather_before_dequantize(&mut graph), 1);
        assert_eq!(
            ops(&graph),
            vec![
                ("Gather", vec!["table_q", "ids"]),
                ("Cast", vec!["rows__rows_q"]),
                ("Gather", vec!["scale", "ids"]),
                ("Mul", vec!["rows__rows_f", "rows__rows_scale"]),
                ("Relu", vec!["rows"]),
            ]
        );
    }

    #[test]
    fn shared_scales_apply_to_the_rows_as_they_are() {
        for dims in [&[][..], &[1], &[4], &[1, 4]] {
            let mut graph = quantized_lookup(dims);
            assert_eq!(gather_before_dequantize(&mut graph), 1, "scale of shape {dims:?}");
            assert_eq!(ops(&graph)[2], ("Mul", vec!["rows__rows_f", "scale"]));
        }
    }

    #[test]
    fn other_graphs_are_left_alone() {
        let mut float_table = quantized_lookup(&[10, 1]);
        float_table.initializer[0].data_type = FLOAT;
        let mut other_axis = quantized_lookup(&[10, 1]);
        other_axis.node[2].attribute = vec![int("axis", 1)];
        let mut odd_scale = quantized_lookup(&[10, 4]);
        odd_scale.initializer[1].dims = vec![5, 2];
        for graph in [float_table, other_axis, odd_scale] {
            let mut rewritten = graph.clone();
            assert_eq!(gather_before_dequantize(&mut rewritten), 0);
            assert_eq!(rewritten, graph);
        }
    }

    /// The graph of `model/model.onnx`, or `None` (said on stderr) before `make model`.
    fn shipped_graph() -> Option<GraphProto> {
        use tract_onnx::prelude::Framework;
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/model/model.onnx");
        let Ok(bytes) = std::fs::read(path) else {
            eprintln!("{path} is missing (run `make model`); skipping");
            return None;
        };
        tract_onnx::onnx().proto_model_for_read(&mut &bytes[..]).unwrap().graph
    }

    #[test]
    fn the_shipped_model_looks_up_int8_rows() {
        let Some(mut graph) = shipped_graph() else { return };
        let graph = &mut graph;
        // The word and the position embedding tables; the token-type table is f32.
        assert_eq!(gather_before_dequantize(graph), 2);
        let dequantized_table = "inner.embeddings.word_embeddings.weight";
        assert!(graph.node.iter().all(|n| !n.output.iter().any(|o| o == dequantized_table)));
    }

    /// A linear layer as exported: `x (Cast(q) * scale)` then a bias.
    fn quantized_linear(scale_dims: &[i64]) -> GraphProto {
        GraphProto {
            initializer: vec![tensor("w_q", INT8, &[8, 4]), tensor("w_scale", FLOAT, scale_dims)],
            node: vec![
                node("Cast", "cast", &[&s("w_q")], "w_f", vec![int("to", 1)]),
                node("Mul", "mul", &[&s("w_f"), &s("w_scale")], "w", vec![]),
                node("MatMul", "linear", &[&s("x"), &s("w")], "y", vec![]),
                node("Add", "bias", &[&s("y"), &s("b")], "out", vec![]),
            ],
            output: vec![ValueInfoProto { name: "out".into(), ..Default::default() }],
            ..Default::default()
        }
    }

    #[test]
    fn the_scale_moves_after_the_product() {
        for dims in [&[1, 4][..], &[4], &[], &[1]] {
            let mut graph = quantized_linear(dims);
            assert_eq!(scale_after_matmul(&mut graph), 1, "scale of shape {dims:?}");
            assert_eq!(
                ops(&graph),
                vec![
                    ("Cast", vec!["w_q"]),
                    ("MatMul", vec!["x", "w_f"]),
                    ("Mul", vec!["y__unscaled", "w_scale"]),
                    ("Add", vec!["y", "b"]),
                ]
            );
        }
    }

    #[test]
    fn products_with_other_weights_keep_their_scale() {
        let mut per_row = quantized_linear(&[8, 1]);
        let mut float_weights = quantized_linear(&[1, 4]);
        float_weights.initializer[0].data_type = FLOAT;
        let mut left_weights = quantized_linear(&[1, 4]);
        left_weights.node[2].input = vec![s("w"), s("x")];
        for graph in [&mut per_row, &mut float_weights, &mut left_weights] {
            let before = graph.clone();
            assert_eq!(scale_after_matmul(graph), 0);
            assert_eq!(*graph, before);
        }
    }

    #[test]
    fn malformed_nodes_are_left_alone_without_a_panic() {
        // The file is untrusted: a lookup or product with no output, and a cast with no input,
        // are not rewritten (tract then reports the graph), and nothing indexes past them.
        let mut no_output = quantized_lookup(&[10, 1]);
        no_output.node[2].output.clear();
        let mut no_cast_input = quantized_lookup(&[10, 1]);
        no_cast_input.node[0].input.clear();
        for mut graph in [no_output, no_cast_input] {
            assert_eq!(gather_before_dequantize(&mut graph), 0);
        }
        let mut no_product_output = quantized_linear(&[1, 4]);
        no_product_output.node[2].output.clear();
        let mut no_cast_input = quantized_linear(&[1, 4]);
        no_cast_input.node[0].input.clear();
        for mut graph in [no_product_output, no_cast_input] {
            assert_eq!(scale_after_matmul(&mut graph), 0);
        }
    }

    #[test]
    fn folded_weights_are_the_dequantized_values_bit_for_bit() {
        // q[r][c] = r * 4 + c - 16, raw bytes; per-column scales in raw_data, a shared one in
        // float_data.
        let q: Vec<i8> = (0..32).map(|e| e as i8 - 16).collect();
        let columns = [0.5f32, 0.1, -3.0, 1e-3];
        for (dims, scales) in [(&[4][..], &columns[..]), (&[1, 4], &columns), (&[], &[0.37][..])] {
            let mut graph = quantized_linear(dims);
            graph.initializer[0].raw_data = q.iter().map(|&v| v as u8).collect();
            if dims.is_empty() {
                graph.initializer[1].float_data = scales.to_vec();
            } else {
                graph.initializer[1].raw_data = scales.iter().flat_map(|x| x.to_le_bytes()).collect();
            }
            assert_eq!(fold_dequantized_weights(&mut graph), 1, "scale of shape {dims:?}");
            assert_eq!(ops(&graph), vec![("MatMul", vec!["x", "w__folded"]), ("Add", vec!["y", "b"])]);
            // The int8 matrix and its scale are gone; the folded matrix is f32(q) * scale.
            assert_eq!(graph.initializer.len(), 1);
            let w = &graph.initializer[0];
            assert_eq!((w.name.as_str(), w.data_type, w.dims.as_slice()), ("w__folded", FLOAT, &[8i64, 4][..]));
            assert!(w.raw_data.is_empty());
            let got = &w.float_data;
            let want: Vec<f32> =
                (0..32).map(|e| f32::from(q[e]) * scales[if scales.len() == 1 { 0 } else { e % 4 }]).collect();
            assert_eq!(
                got.iter().map(|x| x.to_bits()).collect::<Vec<_>>(),
                want.iter().map(|x| x.to_bits()).collect::<Vec<_>>()
            );
        }
    }

    #[test]
    fn weights_whose_data_does_not_fit_their_shape_are_left_to_tract() {
        // Raw data one byte short, scales of another width, per-row scales: nothing is folded
        // and nothing panics.
        let mut short = quantized_linear(&[4]);
        short.initializer[0].raw_data = vec![1; 31];
        short.initializer[1].raw_data = vec![0; 16];
        let mut wide = quantized_linear(&[5]);
        wide.initializer[0].raw_data = vec![1; 32];
        wide.initializer[1].raw_data = vec![0; 20];
        let mut per_row = quantized_linear(&[8, 1]);
        per_row.initializer[0].raw_data = vec![1; 32];
        per_row.initializer[1].raw_data = vec![0; 32];
        for graph in [&mut short, &mut wide, &mut per_row] {
            let before = graph.clone();
            assert_eq!(fold_dequantized_weights(graph), 0);
            assert_eq!(*graph, before);
        }
    }

    #[test]
    fn the_shipped_model_folds_all_its_linear_layers() {
        let Some(mut graph) = shipped_graph() else { return };
        assert_eq!(fold_dequantized_weights(&mut graph), 36);
        assert!(graph.initializer.iter().all(|t| t.data_type != INT8 || t.name.contains("embeddings")));
    }

    #[test]
    fn the_shipped_model_scales_all_its_linear_layers() {
        let Some(mut graph) = shipped_graph() else { return };
        // Six layers of query, key, value, output, and the two feed-forward products.
        assert_eq!(scale_after_matmul(&mut graph), 36);
    }

    #[test]
    fn a_table_used_elsewhere_keeps_its_dequantization() {
        let mut graph = quantized_lookup(&[10, 1]);
        graph.node.push(node("Relu", "other", &[&s("table")], "out2", vec![]));
        graph.output.push(ValueInfoProto { name: "out2".into(), ..Default::default() });
        assert_eq!(gather_before_dequantize(&mut graph), 1);
        let kept: Vec<&str> = graph.node.iter().map(|n| n.name.as_str()).collect();
        assert!(kept.contains(&"cast") && kept.contains(&"mul"), "{kept:?}");
    }
}
