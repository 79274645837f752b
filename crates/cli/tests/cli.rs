//! The `wayfinder` binary end to end: build a bundle from the small fixture catalog, answer
//! from it, and fail clearly on bad input. Needs the model (`make model`); skips without it.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn model_dir() -> Option<PathBuf> {
    let dir = root().join("model");
    if dir.join("model.onnx").is_file() && dir.join("tokenizer.json").is_file() {
        Some(dir)
    } else {
        eprintln!("skipping: {} has no model (run `make model`)", dir.display());
        None
    }
}

fn wayfinder(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wayfinder")).args(args).output().expect("the binary runs")
}

fn ok_json(args: &[&str]) -> Value {
    let out = wayfinder(args);
    assert!(out.status.success(), "wayfinder {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)))
}

fn fixture(name: &str) -> String {
    root().join("tests/fixtures").join(name).display().to_string()
}

fn build(model: &Path, out: &Path, interactions: Option<&str>) -> Output {
    let (catalog, model, out) = (fixture("small_catalog.json"), model.display().to_string(), out.display().to_string());
    let mut args =
        vec!["build", "--catalog", &catalog, "--model", &model, "--out", &out, "--quiet", "--json", "--factors", "4"];
    if let Some(i) = interactions {
        args.extend(["--interactions", i]);
    }
    wayfinder(&args)
}

#[test]
fn build_then_answer_from_the_bundle() {
    let Some(model) = model_dir() else { return };
    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path().join("bundle");
    let enrollments = fixture("small_enrollments.csv");
    let out = build(&model, &bundle, Some(&enrollments));
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let summary: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(summary["courses"], 14);
    assert_eq!(summary["learners"], 5);
    assert!(summary["evaluation"]["model"]["hr"].is_number(), "{summary}");
    let b = bundle.display().to_string();

    let graph = ok_json(&["graph", "--bundle", &b, "--json"]);
    let edges = graph["edges"].as_array().unwrap();
    assert!(edges.iter().any(|e| e["course"] == "DS 300" && e["prerequisite"] == "CS 102" && e["inferred"] == true));
    assert!(edges.iter().any(|e| e["course"] == "CS 301"
        && e["prerequisite"] == "CS 202"
        && e["inferred"] == false
        && e["score"] == 1.0));
    assert_eq!(graph["cycles"], serde_json::json!([["LOOP 1", "LOOP 2", "LOOP 1"]]));

    let recs = ok_json(&[
        "recommend",
        "--bundle",
        &b,
        "--completed",
        "CS 101,MATH 101",
        "--goal",
        "I want to learn databases and SQL",
        "-k",
        "5",
        "--json",
        "--model",
        &model.display().to_string(),
    ]);
    let list = recs["recommendations"].as_array().unwrap();
    assert_eq!(list.len(), 5);
    for r in list {
        assert!(r["id"].is_string() && r["title"].is_string() && r["score"].is_number());
        assert!(r["parts"]["goalText"].is_number());
        assert!(!r["explanation"].as_array().unwrap().is_empty());
        assert_ne!(r["id"], "CS 301", "not ready");
    }
    assert!(list.iter().take(3).any(|r| r["id"] == "DB 210"), "a databases goal finds Databases: {recs}");

    let path = ok_json(&["path", "--bundle", &b, "--target", "algorithms", "--max-credits", "8", "--json"]);
    let steps: Vec<&str> = path["steps"].as_array().unwrap().iter().map(|s| s["id"].as_str().unwrap()).collect();
    assert_eq!(steps.last(), Some(&"CS 301"));
    assert_eq!(steps.len(), 5);
    assert!(path["terms"].as_array().unwrap().len() >= 3);

    // Without enrolments the bundle still ranks by content, goal and prerequisites.
    let bare = dir.path().join("bare");
    assert!(build(&model, &bare, None).status.success());
    let recs = ok_json(&["recommend", "--bundle", &bare.display().to_string(), "--completed", "CS 101", "--json"]);
    assert!(!recs["recommendations"].as_array().unwrap().is_empty());
}

#[test]
fn bad_input_names_the_file_and_the_problem() {
    let Some(model) = model_dir() else { return };
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, "user,course\nann,CS 101\nbob,CS 999\n").unwrap();
    let out = build(&model, &dir.path().join("b"), Some(&bad.display().to_string()));
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad.csv") && err.contains("line 3") && err.contains("CS 999"), "{err}");

    let bundle = dir.path().join("ok");
    assert!(build(&model, &bundle, None).status.success());
    let tensors = bundle.join("tensors.safetensors");
    let mut bytes = std::fs::read(&tensors).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    std::fs::write(&tensors, bytes).unwrap();
    let out = wayfinder(&["graph", "--bundle", &bundle.display().to_string(), "--json"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("tensors.safetensors") && err.contains("sha256"), "{err}");
}

/// Runs `wayfinder` with `stdin` piped in.
fn wayfinder_with_input(args: &[&str], stdin: &str) -> Output {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_wayfinder"))
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the binary runs");
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn embed_prints_one_unit_vector_per_line_in_input_order() {
    let Some(model) = model_dir() else { return };
    let model = model.display().to_string();
    let lines =
        ["Introduction to machine learning", "", "Data structures and algorithms in C++", "Renaissance art history"];
    let input = lines.join("\n") + "\n";
    let out = wayfinder_with_input(&["embed", "--model", &model, "--batch", "3"], &input);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let vectors: Vec<Vec<f32>> =
        String::from_utf8(out.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(vectors.len(), lines.len());
    for v in &vectors {
        assert_eq!(v.len(), 384);
        let norm: f32 = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        assert!((norm - 1.0).abs() < 1e-4, "norm {norm}");
    }
    // Order is kept although the batch path sorts by length: each line embedded alone agrees.
    for (line, batched) in lines.iter().zip(&vectors) {
        let single = wayfinder_with_input(&["embed", "--model", &model, "--batch", "1"], &format!("{line}\n"));
        let single: Vec<f32> = serde_json::from_slice(&single.stdout).unwrap();
        let cosine: f32 = single.iter().zip(batched).map(|(a, b)| a * b).sum();
        assert!(cosine > 0.9999, "{line:?}: cosine {cosine} between batched and single");
    }
}

#[test]
fn a_compressed_catalog_bundle_answers_the_same() {
    let Some(model) = model_dir() else { return };
    let dir = tempfile::tempdir().unwrap();
    let (plain, packed) = (dir.path().join("plain"), dir.path().join("packed"));
    let (catalog, m) = (fixture("small_catalog.json"), model.display().to_string());
    // Compressed is the default; --plain-catalog writes catalog.json.
    for (out, extra) in [(&plain, Some("--plain-catalog")), (&packed, None)] {
        let out = out.display().to_string();
        let mut args = vec!["build", "--catalog", &catalog, "--model", &m, "--out", &out, "--quiet"];
        args.extend(extra);
        let run = wayfinder(&args);
        assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    }
    assert!(packed.join("catalog.json.gz").is_file() && !packed.join("catalog.json").exists());
    assert!(plain.join("catalog.json").is_file() && !plain.join("catalog.json.gz").exists());
    let answer = |b: &Path| {
        ok_json(&[
            "recommend",
            "--bundle",
            &b.display().to_string(),
            "--completed",
            "CS 101",
            "--goal",
            "databases",
            "--model",
            &m,
            "--json",
        ])
    };
    assert_eq!(answer(&plain)["recommendations"], answer(&packed)["recommendations"]);
}

/// `../shared/data` (or `WAYFINDER_DATA`), when present.
fn data_dir(name: &str) -> Option<PathBuf> {
    let base = std::env::var_os("WAYFINDER_DATA").map(PathBuf::from).unwrap_or_else(|| root().join("../shared/data"));
    let dir = base.join(name);
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!("skipping: {} is absent", dir.display());
        None
    }
}

#[test]
fn eval_recommend_scores_the_whole_ranking_beside_its_parts_and_baselines() {
    let (Some(model), Some(ml)) = (model_dir(), data_dir("movielens100k")) else { return };
    // A bounded slice of MovieLens 100k: its first 300 films and the first 300 users' ratings
    // of them, in the data set's own file layout.
    let dir = tempfile::tempdir().unwrap();
    let slice = dir.path().join("ml");
    std::fs::create_dir(&slice).unwrap();
    let items = std::fs::read(ml.join("u.item")).unwrap();
    let first: Vec<&[u8]> = items.split(|&b| b == b'\n').take(300).collect();
    std::fs::write(slice.join("u.item"), first.join(&b'\n')).unwrap();
    std::fs::copy(ml.join("u.genre"), slice.join("u.genre")).unwrap();
    let data = std::fs::read_to_string(ml.join("u.data")).unwrap();
    let kept: Vec<&str> = data
        .lines()
        .filter(|l| {
            let f: Vec<u32> = l.split_whitespace().take(2).map(|x| x.parse().unwrap()).collect();
            f[0] <= 300 && f[1] <= 300
        })
        .collect();
    std::fs::write(slice.join("u.data"), kept.join("\n")).unwrap();
    let (catalog, interactions) = (dir.path().join("catalog.json"), dir.path().join("interactions.csv"));
    let s = |p: &Path| p.display().to_string();
    let out = wayfinder(&[
        "import",
        "movielens",
        "--dir",
        &s(&slice),
        "--out-catalog",
        &s(&catalog),
        "--out-interactions",
        &s(&interactions),
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    let report = ok_json(&[
        "eval",
        "recommend",
        "--catalog",
        &s(&catalog),
        "--interactions",
        &s(&interactions),
        "--model",
        &s(&model),
        "--k",
        "10",
        "--seed",
        "42",
        "--max-users",
        "150",
        "--tune-users",
        "150",
        "--json",
    ]);
    for name in ["hybrid", "hybrid_no_mmr", "collaborative", "content", "goal_skills", "popularity", "item_knn", "ease"]
    {
        for metric in ["hr", "ndcg", "map", "coverage", "violation_rate", "intra_list_diversity"] {
            let x = report[name][metric].as_f64().unwrap_or_else(|| panic!("{name}.{metric} missing: {report}"));
            assert!((0.0..=1.0).contains(&x), "{name}.{metric} = {x}");
        }
    }
    assert_eq!(report["test_users"], 150);
    // The tuned defaults are the hybrid's, chosen on validation learners only.
    assert!(report["tuned"]["validation_users"].as_u64().unwrap() > 0, "{}", report["tuned"]);
    assert!(report["tuned"]["table"].as_array().unwrap().len() > 4);
    // A real signal: the whole ranking finds more held-out films than chance (10 of ~300).
    assert!(report["hybrid"]["hr"].as_f64().unwrap() > 0.1, "{report}");
    // The hybrid's lead over each other ranking is the difference of their HR@10, with its
    // paired standard error.
    for name in ["popularity", "ease"] {
        let gain = &report["hybrid_gain"][name];
        let expected = report["hybrid"]["hr"].as_f64().unwrap() - report[name]["hr"].as_f64().unwrap();
        assert!((gain["hr"].as_f64().unwrap() - expected).abs() < 1e-9, "{name}: {gain} against {expected}");
        assert!(gain["se"].as_f64().unwrap() >= 0.0, "{name}: {gain}");
    }
    assert!(report["hybrid_gain"]["popularity"]["hr"].as_f64().unwrap() > 0.0, "{report}");
}

#[test]
fn partial_weights_fill_from_the_bundle_and_bad_weights_are_named() {
    let Some(model) = model_dir() else { return };
    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path().join("b");
    let enrollments = fixture("small_enrollments.csv");
    assert!(build(&model, &bundle, Some(&enrollments)).status.success());
    let b = bundle.display().to_string();
    let manifest: Value = serde_json::from_slice(&std::fs::read(bundle.join("manifest.json")).unwrap()).unwrap();
    let defaults = &manifest["ranking"];
    assert!(defaults["weights"]["collaborative"].is_number(), "the manifest carries ranking defaults: {manifest}");
    // Giving every default weight explicitly is the same as giving none, and one weight
    // given alone keeps the others at the bundle's values.
    let w = &defaults["weights"];
    let all = format!(
        "collaborative={},content={},goalText={},goalSkills={},unlocks={}",
        w["collaborative"], w["content"], w["goalText"], w["goalSkills"], w["unlocks"]
    );
    let plain = ok_json(&["recommend", "--bundle", &b, "--completed", "CS 101", "--json"]);
    let explicit = ok_json(&["recommend", "--bundle", &b, "--completed", "CS 101", "--json", "--weights", &all]);
    assert_eq!(plain["recommendations"], explicit["recommendations"]);
    let partial = ok_json(&[
        "recommend",
        "--bundle",
        &b,
        "--completed",
        "CS 101",
        "--json",
        "--weights",
        &format!("collaborative={}", w["collaborative"]),
    ]);
    assert_eq!(plain["recommendations"], partial["recommendations"]);
    for (flag, value, named) in
        [("--weights", "content=-1", "content"), ("--weights", "colour=1", "colour"), ("--lambda", "3", "diversity")]
    {
        let out = wayfinder(&["recommend", "--bundle", &b, "--completed", "CS 101", "--json", flag, value]);
        assert!(!out.status.success());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(named), "{flag} {value}: {err}");
    }
}

#[test]
fn eval_prerequisites_recovers_hidden_prerequisites_and_counts_unready_recommendations() {
    let (Some(model), Some(uiuc)) = (model_dir(), data_dir("uiuc_catalog")) else { return };
    // A bounded slice of the real UIUC catalog: its CS, STAT and MATH courses, with group
    // members outside the slice kept as not in the catalog.
    let dir = tempfile::tempdir().unwrap();
    let s = |p: &Path| p.display().to_string();
    let full = dir.path().join("uiuc.json");
    let out = wayfinder(&[
        "import",
        "uiuc",
        "--catalog",
        &s(&uiuc.join("uiuc-2019-fa-catalog.csv")),
        "--prereqs",
        &s(&uiuc.join("uiuc-prerequisites-2023.csv")),
        "--out",
        &s(&full),
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let mut catalog: Value = serde_json::from_slice(&std::fs::read(&full).unwrap()).unwrap();
    let keep = |id: &str| ["CS ", "STAT ", "MATH "].iter().any(|p| id.starts_with(p));
    let courses: Vec<Value> = catalog["courses"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| keep(c["id"].as_str().unwrap()))
        .map(|c| {
            let mut c = c.clone();
            let groups: Vec<Value> = c["prerequisites"]
                .as_array()
                .unwrap()
                .iter()
                .map(|g| {
                    let members: Vec<String> = g
                        .as_array()
                        .or_else(|| g["any_of"].as_array())
                        .unwrap()
                        .iter()
                        .map(|m| m.as_str().unwrap().to_string())
                        .collect();
                    let (inside, mut outside): (Vec<String>, Vec<String>) = members.into_iter().partition(|m| keep(m));
                    outside.extend(
                        g["not_in_catalog"].as_array().into_iter().flatten().map(|m| m.as_str().unwrap().to_string()),
                    );
                    serde_json::json!({ "any_of": inside, "not_in_catalog": outside })
                })
                .collect();
            c["prerequisites"] = Value::Array(groups);
            for f in ["same_as", "no_credit_with"] {
                if let Some(list) = c[f].as_array().cloned() {
                    c[f] = Value::Array(list.into_iter().filter(|x| keep(x.as_str().unwrap())).collect());
                }
            }
            c
        })
        .collect();
    catalog["courses"] = Value::Array(courses);
    let slice = dir.path().join("slice.json");
    std::fs::write(&slice, catalog.to_string()).unwrap();
    let report = ok_json(&["eval", "prerequisites", "--catalog", &s(&slice), "--model", &s(&model), "--json"]);
    let f1 = |x: &Value| x["f1"].as_f64().unwrap();
    eprintln!("{report}");
    assert!(report["inferred"]["truth"].as_u64().unwrap() > 100, "{report}");
    assert!(
        f1(&report["inferred"]) > f1(&report["tfidf_baseline"]),
        "inference beats the TF-IDF baseline with its threshold chosen on the answers: {report}"
    );
    let rate = |x: &Value| x["rate"].as_f64().unwrap();
    assert!(report["safety"]["learners"].as_u64().unwrap() >= 2, "{report}");
    assert!(rate(&report["safety"]) < rate(&report["anchor"]), "{report}");
}

const SCHOOL_COLUMNS: &str =
    "id=Course Code,title=Name,description=Description,credits=Credits,level=Level,tags=Topics,prerequisites=Prereqs";

#[test]
fn a_school_catalog_csv_imports_builds_and_answers() {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("catalog.json").display().to_string();
    let report = ok_json(&[
        "import",
        "csv",
        "--catalog",
        &fixture("school_catalog.csv"),
        "--out",
        &json,
        "--columns",
        SCHOOL_COLUMNS,
        "--json",
    ]);
    assert_eq!(report["courses"], 6);
    assert_eq!(report["prerequisite_groups"], 5);
    let Some(model) = model_dir() else { return };
    let bundle = dir.path().join("bundle").display().to_string();
    let model = model.display().to_string();
    let out = wayfinder(&["build", "--catalog", &json, "--model", &model, "--out", &bundle, "--quiet"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let answer = ok_json(&["recommend", "--bundle", &bundle, "--completed", "CS 101,MATH 120", "-k", "3", "--json"]);
    let ids: Vec<&str> =
        answer["recommendations"].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap()).collect();
    // Ready after CS 101 and MATH 120: CS 201, STAT 200, and CS 320 (CS 201 may be concurrent).
    assert!(ids.contains(&"CS 201") && ids.contains(&"STAT 200"), "{ids:?}");
    assert!(!ids.contains(&"CS 310"), "CS 310 needs CS 201 first: {ids:?}");
}

#[test]
fn a_bad_catalog_csv_names_the_row_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        ("CS 101,Intro,,4,100,,\n,Nameless,,3,100,,\n", "row 3, column \"Course Code\""),
        ("CS 101,Intro,,four,100,,\n", "row 2, column \"Credits\": \"four\""),
        ("CS 101,Intro,,4,100,,CS 999\n", "row 2, column \"Prereqs\": \"CS 999\" is not a course in this file"),
        ("CS 101,Intro,,4,100,,CS 100 or\n", "row 2, column \"Prereqs\""),
    ];
    for (body, expected) in cases {
        let csv = dir.path().join("bad.csv");
        std::fs::write(&csv, format!("Course Code,Name,Description,Credits,Level,Topics,Prereqs\n{body}")).unwrap();
        let (csv, json) = (csv.display().to_string(), dir.path().join("out.json").display().to_string());
        let out = wayfinder(&["import", "csv", "--catalog", &csv, "--out", &json, "--columns", SCHOOL_COLUMNS]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success() && stderr.contains(expected), "{body:?}: {stderr}");
        // Lenient mode reports instead, except for a malformed expression.
        let out =
            wayfinder(&["import", "csv", "--catalog", &csv, "--out", &json, "--columns", SCHOOL_COLUMNS, "--lenient"]);
        assert_eq!(out.status.success(), !body.ends_with("or\n"), "{body:?}: {}", String::from_utf8_lossy(&out.stderr));
        if out.status.success() {
            assert!(String::from_utf8_lossy(&out.stdout).contains("problem(s) reported above"));
        }
    }
}

#[test]
fn texts_prints_what_build_embeds_one_json_string_per_course() {
    let catalog = fixture("small_catalog.json");
    let out = wayfinder(&["texts", "--catalog", &catalog]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let texts: Vec<String> =
        String::from_utf8(out.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let courses: Value = serde_json::from_str(&std::fs::read_to_string(&catalog).unwrap()).unwrap();
    let courses = courses["courses"].as_array().unwrap();
    assert_eq!(texts.len(), courses.len());
    for (text, course) in texts.iter().zip(courses) {
        let title = course["title"].as_str().unwrap();
        assert!(text.starts_with(title), "{text:?} does not start with the title {title:?}");
        if let Some(d) = course["description"].as_str().filter(|d| !d.is_empty()) {
            assert!(text.contains(&format!("{title}. {d}")), "{text:?} lacks the description");
        }
    }
    let bad = wayfinder(&["texts", "--catalog", "no-such-catalog.json"]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("no-such-catalog.json"));
}

#[test]
fn a_closed_pipe_ends_the_command_quietly() {
    use std::process::Stdio;
    // `wayfinder texts ... | head -0`: the reader is gone before the first line is written.
    let catalog = fixture("small_catalog.json");
    let mut child = Command::new(env!("CARGO_BIN_EXE_wayfinder"))
        .args(["texts", "--catalog", &catalog])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.is_empty(), "a closed pipe printed {stderr:?}");
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        assert!(out.status.success() || out.status.signal() == Some(libc_sigpipe()), "ended with {:?}", out.status);
    }
}

/// SIGPIPE's number on the platforms this runs on (Linux, macOS).
#[cfg(unix)]
fn libc_sigpipe() -> i32 {
    13
}
