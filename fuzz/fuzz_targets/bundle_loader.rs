//! Feeds arbitrary bytes to the bundle loader as the manifest, the catalog (plain and
//! gzip-compressed) and the tensor file. Whatever the bytes, loading must return a typed error
//! or a valid bundle, never panic. The manifest is rewritten to carry the true hashes and sizes
//! of the fuzzed files, so the fuzzer gets past the checksum checks and exercises the catalog,
//! gzip and safetensors parsers.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wayfinder::bundle::{sha256_hex, Bundle};

fuzz_target!(|data: &[u8]| {
    // Split the input into catalog and tensor bytes at a position the input chooses.
    let Some((&cut, rest)) = data.split_first() else { return };
    let at = (cut as usize * rest.len()) / 256;
    let (catalog, tensors) = rest.split_at(at);
    // Raw bytes as the manifest too: every parser sees garbage.
    let _ = Bundle::from_files(rest, |_| Some(rest));
    let manifest = format!(
        r#"{{"format":"wayfinder-bundle","version":1,"created":"","counts":{{"courses":{courses},"factors":0,"embedding_dim":0,"learners":0,"interactions":0,"explicit_groups":0,"inferred_groups":0,"cycles":0}},
        "files":{{"catalog.json":{{"sha256":"{c}","bytes":{cl}}},"tensors.safetensors":{{"sha256":"{t}","bytes":{tl}}}}},
        "embedder":null,"embedding_storage":"f16","model":{{"kind":"implicit","fold_in_reg":0.1,"fold_in_bias_reg":0.0,"alpha":10.0,"log_confidence_eps":null,"rating_range":null,"seed":1,"params":null}},"evaluation":null}}"#,
        courses = catalog.iter().filter(|&&b| b == b'{').count().saturating_sub(1),
        c = sha256_hex(catalog),
        cl = catalog.len(),
        t = sha256_hex(tensors),
        tl = tensors.len(),
    );
    let _ = Bundle::from_files(manifest.as_bytes(), |name| match name {
        "catalog.json" => Some(catalog),
        "tensors.safetensors" => Some(tensors),
        _ => None,
    });
    // The same bytes as a compressed catalog: the gzip reader sees them too.
    let gz_manifest = manifest.replace(r#""catalog.json":"#, r#""catalog.json.gz":"#);
    let _ = Bundle::from_files(gz_manifest.as_bytes(), |name| match name {
        "catalog.json.gz" => Some(catalog),
        "tensors.safetensors" => Some(tensors),
        _ => None,
    });
});
