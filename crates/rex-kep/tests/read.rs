//! The instance readers against the public kidney-exchange data (`shared/data/kep`) and
//! against malformed inputs.

use crate::common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use rex_kep::{read_file, read_str, Format};
use rex_match::{Graph, VertexKind};

fn read(path: &Path) -> Graph {
    read_file(path).unwrap_or_else(|e| panic!("{e}"))
}

/// Arcs as `(from id, to id, weight)`, sorted: a view of a graph that ignores vertex order.
fn arc_set(g: &Graph) -> Vec<(String, String, f64)> {
    let mut arcs: Vec<_> = g
        .arcs()
        .iter()
        .map(|a| {
            (
                g.vertex(a.from).id.clone(),
                g.vertex(a.to).id.clone(),
                a.weight,
            )
        })
        .collect();
    arcs.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
    arcs
}

/// Counts that do not depend on vertex names: requests, offers, arcs, groups, and the sorted
/// (out-degree, in-degree, kind) of every vertex.
#[derive(Debug, PartialEq)]
struct Shape {
    requests: usize,
    offers: usize,
    arcs: usize,
    groups: usize,
    degrees: Vec<(usize, usize, VertexKind)>,
}

fn shape(g: &Graph) -> Shape {
    let mut deg = vec![(0usize, 0usize); g.vertices().len()];
    for a in g.arcs() {
        deg[a.from.index()].0 += 1;
        deg[a.to.index()].1 += 1;
    }
    let mut degrees: Vec<_> = deg
        .iter()
        .zip(g.vertices())
        .map(|(&(o, i), v)| (o, i, v.kind))
        .collect();
    degrees.sort();
    Shape {
        requests: g.request_count(),
        offers: g.offer_count(),
        arcs: g.arcs().len(),
        groups: g.groups().len(),
        degrees,
    }
}

#[test]
fn every_instance_file_parses() {
    let Some(dir) = common::kep_data_dir() else {
        return;
    };
    let files = common::instance_files(&dir);
    let failures: Vec<String> = files
        .iter()
        .filter_map(|f| read_file(f).err().map(|e| e.to_string()))
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // 72 Trimble + 1 converted PrefLib, 101 .wmd, 20 medium/large + tiny kep_solver cases.
    assert!(
        files.len() >= 230,
        "only {} instance files found",
        files.len()
    );
    let by_suffix = |s: &str| {
        files
            .iter()
            .filter(|f| f.to_string_lossy().ends_with(s))
            .count()
    };
    assert_eq!(by_suffix(".input"), 73);
    assert_eq!(by_suffix(".wmd"), 101);
}

#[test]
fn solution_files_are_refused() {
    let Some(dir) = common::kep_data_dir() else {
        return;
    };
    for f in ["test1_output.json", "test10_output.xml"] {
        let path = common::kep_file(&dir, &format!("kep_solver-tests/{f}"));
        let e = read_file(&path).unwrap_err().to_string();
        assert!(e.contains("solution file"), "{e}");
    }
    // The same content under an instance's name is recognised too.
    for (format, f) in [
        (Format::KepJson, "test9_output.json"),
        (Format::KepXml, "test9_output.xml"),
    ] {
        let path = common::kep_file(&dir, &format!("kep_solver-tests/{f}"));
        let text = std::fs::read_to_string(&path).unwrap();
        let e = read_str(format, &text, "x").unwrap_err().to_string();
        assert!(e.contains("solution file"), "{e}");
    }
}

/// Every kep_solver instance given in several formats (JSON v1, v2, XML, YAML, xz) reads to
/// the same graph as its `.json`.
#[test]
fn kep_solver_twins_agree() {
    let Some(dir) = common::kep_data_dir() else {
        return;
    };
    let kep = dir.join("kep_solver-tests");
    let mut twins: BTreeMap<String, Vec<_>> = BTreeMap::new();
    for f in common::instance_files(&kep) {
        let name = f.file_name().unwrap().to_string_lossy().into_owned();
        let stem = name.split('.').next().unwrap().to_owned();
        twins.entry(stem).or_default().push(f);
    }
    let mut compared = BTreeSet::new();
    for (stem, files) in &twins {
        let json = kep.join(format!("{stem}.json"));
        if files.len() < 2 || !json.is_file() {
            continue;
        }
        let reference = read(&json);
        for f in files.iter().filter(|f| **f != json) {
            let g = read(f);
            assert_eq!(
                g,
                reference,
                "{} differs from {}",
                f.display(),
                json.display()
            );
            compared.insert(f.file_name().unwrap().to_string_lossy().into_owned());
        }
    }
    for must in [
        "test1.v2.json",
        "test1.xml",
        "test1.yaml",
        "medium-5.json.xz",
        "large-6.json.xz",
    ] {
        assert!(compared.contains(must), "{must} was not compared");
    }
}

#[test]
fn preflib_layouts_and_trimble_copy_agree() {
    let Some(dir) = common::kep_data_dir() else {
        return;
    };
    let new = read(&common::kep_file(&dir, "preflib/00036/00036-00000100.wmd"));
    let old = read(&common::kep_file(
        &dir,
        "preflib/md00001-old/MD-00001-00000100.wmd",
    ));
    assert_eq!(new, old);
    assert_eq!(
        (new.request_count(), new.offer_count(), new.arcs().len()),
        (64, 6, 1213)
    );

    let trimble = read(&common::kep_file(
        &dir,
        "preflib/md00001-old/MD-00001-00000100.input",
    ));
    assert_eq!(shape(&trimble), shape(&new));
    // Beyond the shape: Trimble's pair i is PrefLib's i + 1 and NDD j is PrefLib's 65 + j.
    let to_preflib = |id: &str| match id.strip_prefix('n') {
        Some(j) => (65 + j.parse::<usize>().unwrap()).to_string(),
        None => (id.parse::<usize>().unwrap() + 1).to_string(),
    };
    let mut renamed: Vec<_> = arc_set(&trimble)
        .into_iter()
        .map(|(f, t, w)| (to_preflib(&f), to_preflib(&t), w))
        .collect();
    renamed.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
    assert_eq!(renamed, arc_set(&new));
}

#[test]
fn sizes_match_the_data_documentation() {
    let Some(dir) = common::kep_data_dir() else {
        return;
    };
    // (file, requests, offers, arcs, groups); the Trimble files have no self-loops or
    // duplicate arcs, so their arc counts are the headers' sums.
    let cases: &[(&str, usize, usize, usize, usize)] = &[
        (
            "trimble-generated/modified-5pc/generated-100-5-0.input",
            100,
            5,
            1728 + 105,
            105,
        ),
        (
            "trimble-generated/saidman-25pc/generated-600-25-0.input",
            600,
            200,
            83279 + 53833,
            800,
        ),
        ("preflib/00036/00036-00000011.wmd", 16, 1, 108 - 16, 17),
        ("kep_solver-tests/medium-1.json", 57, 6, 423, 56),
        ("kep_solver-tests/large-1.json", 324, 36, 6171, 336),
        ("kep_solver-tests/test7.json", 120, 5, 922, 125),
        ("kep_solver-tests/test8c.json", 5, 0, 16, 3),
    ];
    for &(file, requests, offers, arcs, groups) in cases {
        let g = read(&common::kep_file(&dir, file));
        assert_eq!(
            (
                g.request_count(),
                g.offer_count(),
                g.arcs().len(),
                g.groups().len()
            ),
            (requests, offers, arcs, groups),
            "{file}"
        );
    }
}

/// For every medium and large kep_solver file: one group per recipient plus one per NDD,
/// counted from the JSON independently of the reader.
#[test]
fn kep_solver_groups_are_recipients_plus_ndds() {
    let Some(dir) = common::kep_data_dir() else {
        return;
    };
    for size in ["medium", "large"] {
        for k in 1..=10 {
            let path = common::kep_file(&dir, &format!("kep_solver-tests/{size}-{k}.json"));
            let json: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            let recipients = json["recipients"].as_object().unwrap().len();
            let donors = json["data"].as_object().unwrap();
            let ndds = donors
                .values()
                .filter(|d| d["sources"].as_array().is_none_or(|s| s.is_empty()))
                .count();
            let g = read(&path);
            assert_eq!(g.groups().len(), recipients + ndds, "{}", path.display());
            assert_eq!(g.offer_count(), ndds, "{}", path.display());
            assert_eq!(g.vertices().len(), donors.len(), "{}", path.display());
        }
    }
}

/// kep_solver's own test-suite counts, for K = 3, the exchanges of each length in large-1 and
/// large-8: 2-cycles plus 1-arc chains, and 3-cycles plus 2-arc chains. Matching them checks
/// the recipient-to-donors expansion and the exclusive groups.
#[test]
fn kep_solver_exchange_counts() {
    let Some(dir) = common::kep_data_dir() else {
        return;
    };
    for (file, short, long) in [("large-1", 696, 6837), ("large-8", 1202, 18319)] {
        let g = read(&common::kep_file(
            &dir,
            &format!("kep_solver-tests/{file}.json"),
        ));
        let offer = |v: rex_match::VertexId| g.vertex(v).kind == VertexKind::Offer;
        let (mut two, mut three) = (0, 0);
        for (i, _) in g.vertices().iter().enumerate() {
            let a = rex_match::VertexId(i as u32);
            for ab in g.out_arcs(a) {
                let b = ab.to;
                if offer(a) {
                    two += 1; // chain a -> b
                    three += g.out_arcs(b).len(); // chains a -> b -> c
                    continue;
                }
                if a < b && g.arc(b, a).is_some() {
                    two += 1;
                }
                for bc in g.out_arcs(b) {
                    let c = bc.to;
                    if a < b && a < c && g.arc(c, a).is_some() {
                        three += 1;
                    }
                }
            }
        }
        assert_eq!((two, three), (short, long), "{file}");
    }
}

/// Reads `text` as `format` and expects an error whose one-line message contains `expected`.
fn check(format: Format, text: &str, expected: &str) {
    let name = match format {
        Format::Trimble => "t.input",
        Format::KepJson => "k.json",
        Format::KepXml => "k.xml",
        Format::KepYaml => "k.yaml",
        Format::Wmd => "p.wmd",
    };
    let message = match read_str(format, text, name) {
        Ok(g) => panic!("{format}: expected an error containing {expected:?}, got {g:?}"),
        Err(e) => e.to_string(),
    };
    assert!(
        message.contains(expected),
        "{format}: expected {expected:?} in\n{message}"
    );
    assert!(!message.contains('\n'), "not one line: {message}");
    assert!(message.starts_with(name), "no file name: {message}");
}

#[test]
fn malformed_trimble() {
    use Format::Trimble as T;
    let cases = [
        ("", "t.input: empty file"),
        ("\n  \n", "t.input: empty file"),
        (
            "3\n",
            r#"t.input:1: expected 2 fields "pairs arcs" in the header, found 1"#,
        ),
        (
            "x 1\n",
            r#"t.input:1: number of pairs "x" is not a non-negative integer"#,
        ),
        (
            "2 -1\n",
            r#"t.input:1: number of arcs "-1" is not a non-negative integer"#,
        ),
        (
            "99999999999 0\n-1 -1 -1\n",
            "t.input:1: header says 99999999999 pairs, more than the limit",
        ),
        (
            "2 1\n0 1\n-1 -1 -1\n",
            r#"t.input:2: expected 3 fields "src dst weight", found 2"#,
        ),
        (
            "2 1\n0 1 1 1\n-1 -1 -1\n",
            r#"t.input:2: expected 3 fields "src dst weight", found 4"#,
        ),
        (
            "2 1\n0 2 1\n-1 -1 -1\n",
            "t.input:2: pair 2 is out of range: there are 2 pairs, numbered 0..=1",
        ),
        (
            "2 1\n-3 1 1\n-1 -1 -1\n",
            r#"t.input:2: pair "-3" is not a pair number"#,
        ),
        (
            "0 1\n0 0 1\n-1 -1 -1\n",
            "t.input:2: pair 0 is out of range: there are no pairs",
        ),
        (
            "2 1\n0 1 x\n-1 -1 -1\n",
            r#"t.input:2: weight "x" is not a number"#,
        ),
        (
            "2 1\n0 1 NaN\n-1 -1 -1\n",
            "t.input:2: weight NaN is not a finite number",
        ),
        (
            "2 1\n0 1 -inf\n-1 -1 -1\n",
            "t.input:2: weight -inf is not a finite number",
        ),
        (
            "2 2\n0 1 1\n-1 -1 -1\n",
            r#"t.input:3: found the terminator "-1 -1 -1" after 1 arcs, but the header on line 1 says 2"#,
        ),
        (
            "2 2\n0 1 1\n",
            "t.input:1: header says 2 arcs, but the file ends after 1",
        ),
        (
            "2 1\n0 1 1\n1 0 1\n-1 -1 -1\n",
            r#"t.input:3: expected the terminator "-1 -1 -1" after the 1 arcs that the header on line 1 announces, found "1 0 1""#,
        ),
        (
            "2 1\n0 1 1\n\n",
            r#"t.input:3: missing the terminator "-1 -1 -1" after the 1 arcs"#,
        ),
        (
            "2 2\n0 1 1\n0 1 2\n-1 -1 -1\n",
            r#"t.input: arc "0" -> "1" is given twice, with weights 1 and 2"#,
        ),
        // The NDD block after the terminator.
        (
            "2 0\n-1 -1 -1\n1 1\n1 0 1\n-1 -1 -1\n",
            "t.input:4: NDD 1 is out of range: there are 1 NDDs, numbered 0..=0",
        ),
        (
            "2 0\n-1 -1 -1\n1 1\n0 2 1\n-1 -1 -1\n",
            "t.input:4: pair 2 is out of range: there are 2 pairs",
        ),
        (
            "2 0\n-1 -1 -1\n1\n",
            r#"t.input:3: expected 2 fields "ndds arcs" in the header, found 1"#,
        ),
        (
            "2 0\n-1 -1 -1\n1 1\n0 1 1\n",
            r#"t.input:4: missing the terminator"#,
        ),
        (
            "2 0\n-1 -1 -1\n0 0\n-1 -1 -1\n7 7 7\n",
            r#"t.input:5: unexpected text after the NDD block's terminator: "7 7 7""#,
        ),
    ];
    for (text, expected) in cases {
        check(T, text, expected);
    }
}

#[test]
fn malformed_wmd() {
    use Format::Wmd as W;
    let head = "# NUMBER ALTERNATIVES: 2\n# NUMBER EDGES: 1\n# ALTERNATIVE NAME 1: Pair 1\n\
                # ALTERNATIVE NAME 2: Pair 2\n";
    let with = |edge: &str| format!("{head}{edge}\n");
    let cases = [
        ("", "p.wmd: empty file".to_owned()),
        (
            "# TITLE: x\n# NUMBER EDGES: 0\n",
            r##"p.wmd: missing header line "# NUMBER ALTERNATIVES: N""##.to_owned(),
        ),
        (
            "# NUMBER ALTERNATIVES: 1\n# ALTERNATIVE NAME 1: Pair 1\n",
            r##"p.wmd: missing header line "# NUMBER EDGES: M""##.to_owned(),
        ),
        (
            "# NUMBER ALTERNATIVES: two\n",
            r#"p.wmd:1: NUMBER ALTERNATIVES "two" is not a non-negative integer"#.to_owned(),
        ),
        (
            "# NUMBER ALTERNATIVES: 2\n# NUMBER EDGES: 0\n# ALTERNATIVE NAME 1: Pair 1\n",
            r##"p.wmd: no "# ALTERNATIVE NAME 2:" line, but line 1 says 2 alternatives"##.to_owned(),
        ),
        (
            "# NUMBER ALTERNATIVES: 1\n# NUMBER EDGES: 0\n# ALTERNATIVE NAME 1: Pair 1\n# ALTERNATIVE NAME 1: Pair 1\n",
            "p.wmd:4: alternative 1 is named twice (first on line 3)".to_owned(),
        ),
        (
            "# NUMBER ALTERNATIVES: 1\n# NUMBER EDGES: 0\n# ALTERNATIVE NAME 3: Pair 3\n",
            "p.wmd:3: alternative 3 is out of range: line 1 says 1 alternatives".to_owned(),
        ),
        (&*format!("{head}1,2,1\n2,1,1\n"), "p.wmd:2: header says 1 edges, but the file has 2 edge lines".to_owned()),
        (&*with("1,3,1"), "p.wmd:5: vertex 3 is out of range: there are 2 vertices, numbered from 1".to_owned()),
        (&*with("0,1,1"), "p.wmd:5: vertex 0 is out of range".to_owned()),
        (&*with("1,2"), r#"p.wmd:5: expected 3 fields "src,dst,weight", found 2"#.to_owned()),
        (&*with("1,2,one"), r#"p.wmd:5: weight "one" is not a number"#.to_owned()),
        (&*with("1,2,nan"), "p.wmd:5: weight NaN is not a finite number".to_owned()),
        (&*with("a,2,1"), r#"p.wmd:5: vertex "a" is not a vertex number"#.to_owned()),
        // The original layout.
        ("2\n", r##"p.wmd:1: expected a header "vertices,edges" (or "#" header lines), found "2""##.to_owned()),
        ("3,0\n1,Pair 1\n", "p.wmd:1: header says 3 vertices, but the file ends after 1 name lines".to_owned()),
        ("2,0\n1,Pair 1\n3,Pair 3\n", r#"p.wmd:3: expected the name line of vertex 2, found label "3""#.to_owned()),
        ("1,0\nPair 1\n", r#"p.wmd:2: expected a name line "1,Pair 1", found "Pair 1""#.to_owned()),
        ("2,1\n1,Pair 1\n2,Pair 2\n0,2,1\n", "p.wmd:4: vertex 2 is out of range: there are 2 vertices, numbered from 0".to_owned()),
        ("2,2\n1,Pair 1\n2,Pair 2\n0,1,1\n", "p.wmd:1: header says 2 edges, but the file has 1".to_owned()),
        ("2,1\n1,Pair 1\n2,Pair 2\n0,1,1\n1,0,1\n", "p.wmd:5: header on line 1 says 1 edges, but there are more".to_owned()),
        ("2,2\n1,Pair 1\n2,Pair 2\n0,1,1\n0,1,2\n", r#"p.wmd: arc "1" -> "2" is given twice, with weights 1 and 2"#.to_owned()),
    ];
    for (text, expected) in &cases {
        check(W, text, expected);
    }
}

#[test]
fn malformed_kep_json() {
    use Format::KepJson as J;
    let cases = [
        ("", "k.json: empty file"),
        ("{\n  \"data\": {\n    \"1\": {\"sources\": [1],}\n  }\n}", "k.json:3: trailing comma"),
        ("{\"data\": {}} x", "k.json:1: trailing characters"),
        ("\n[1, 2]", "k.json:2: expected a JSON object at the top level"),
        (
            "{\"data\": {\"1\": {\"sources\": [1], \"matches\": [{\"recipient\": 2, \"score\": \"x\"}]}}}",
            r#"k.json:1: data.1.matches[0].score: invalid type: string "x", expected f64"#,
        ),
        (
            "{\"data\": {\"1\": {\"sources\": [1],\n \"matches\": [{\"recipient\": 2}]}}}",
            "k.json:2: data.1.matches[0]: missing field `score`",
        ),
        (
            "{\"data\": {\"1\": {\"sources\": [1.5]}}}",
            "data.1.sources[0]: invalid type: floating point `1.5`, expected an id (a string or an integer)",
        ),
        ("{\"data\": {\"1\": {\"sources\": null, \"matches\": 3}}}", "data.1.matches: invalid type: integer `3`, expected a sequence"),
        (
            "{\"data\": {\"1\": {\"sources\": [1, 2]}}}",
            r#"k.json: data."1": donor "1" is paired with 2 recipients (1, 2); donors paired with several recipients are not supported"#,
        ),
        (
            "{\"data\": {\"1\": {\"sources\": [1]}, \"1\": {\"sources\": [2]}}}",
            r#"k.json: data."1": duplicate vertex id "1""#,
        ),
        (
            "{\"data\": {\"1\": {\"sources\": [1], \"matches\": [{\"recipient\": 2, \"score\": 1}, {\"recipient\": 2, \"score\": 2}]}, \"2\": {\"sources\": [2]}}}",
            r#"k.json: arc "1" -> "2" is given twice, with weights 1 and 2"#,
        ),
        ("{\"recipients\": {}}", r#"k.json: no "data" (JSON v1) or "donors" (JSON v2) key at the top level"#),
        ("{\"algorithm\": \"x\", \"output\": {}}", "k.json: this is a kep_solver solution file"),
        ("{\"data\": {}, \"donors\": []}", "k.json: both \"data\" (JSON v1) and \"donors\" (JSON v2)"),
        ("{\"data\": {}, \"schema\": 2}", r#"k.json: "schema": 2 does not go with a JSON v1 "data" object"#),
        ("{\"donors\": []}", r#"k.json: "donors" without "schema""#),
        ("{\"schema\": 4, \"donors\": []}", r#"k.json: "schema": 4 is not supported"#),
        ("{\"schema\": \"2\", \"donors\": []}", r#"k.json: "schema": "2" is not supported"#),
        ("{\"schema\": 2, \"donors\": 5}", "k.json:1: donors: invalid type: integer `5`, expected a list of donors or a map from donor ids to donors"),
        ("{\"schema\": 3, \"donors\": [{\"paired_recipients\": [\"1\"]}]}", "k.json: donors[0]: missing field `id`"),
        ("{\"schema\": 3, \"donors\": {\"1\": {\"id\": \"2\"}}}", r#"k.json: donors."1": "id" is "2", but the key is "1""#),
        (
            "{\"schema\": 3, \"donors\": [{\"id\": \"1\", \"outgoing_transplants\": [{\"recipient\": \"2\", \"score\": null}]}]}",
            "k.json:1: donors[0].outgoing_transplants[0].score: invalid type: null, expected f64",
        ),
    ];
    for (text, expected) in cases {
        check(J, text, expected);
    }
}

#[test]
fn malformed_kep_yaml() {
    use Format::KepYaml as Y;
    let cases = [
        ("", "k.yaml: empty file"),
        ("schema: 1\nrecipients: {}\n", r#"k.yaml: no "donors" key at the top level"#),
        ("schema: 2\ndonors: {}\n", r#"k.yaml: "schema: 2" is not supported"#),
        ("- 1\n- 2\n", "k.yaml:1: invalid type: sequence, expected a kep_solver instance"),
        ("donors:\n  '1':\n    recipients: ['1']\n    matches:\n    - recipient_id: '2'\n", "k.yaml:5: donors.1.matches[0]: missing field `score`"),
        (
            "donors:\n  '1':\n    recipients: ['1']\n    matches:\n    - recipient_id: '1'\n      score: .nan\n",
            r#"k.yaml: donors."1": transplant to recipient "1": score NaN is not a finite number"#,
        ),
        (
            "donors:\n  '1':\n    recipients: ['1']\n    matches:\n    - recipient_id: '2'\n      score: high\n",
            "k.yaml:6: donors.1.matches[0].score: invalid type: string \"high\", expected f64",
        ),
        ("donors:\n  '1': {recipients: ['1', '2']}\n", r#"donor "1" is paired with 2 recipients"#),
        ("donors: [\n", "k.yaml:"),
        ("algorithm: x\noutput: {}\n", "k.yaml: this is a kep_solver solution file"),
    ];
    for (text, expected) in cases {
        check(Y, text, expected);
    }
}

#[test]
fn malformed_kep_xml() {
    use Format::KepXml as X;
    let entry = |body: &str| format!("<data>\n<entry donor_id=\"1\">\n{body}\n</entry>\n</data>");
    let cases = [
        ("".to_owned(), "k.xml: empty file"),
        ("<data>\n<entry donor_id=\"1\">\n</data>".to_owned(), "k.xml:3: expected 'entry' tag, not 'data'"),
        ("<instance/>".to_owned(), "k.xml:1: expected the root element <data>, found <instance>"),
        ("<data>\n<entry/>\n</data>".to_owned(), "k.xml:2: <entry> without a donor_id attribute"),
        ("<data>\n<donor/>\n</data>".to_owned(), "k.xml:2: expected <entry>, found <donor>"),
        ("<data><algorithm>x</algorithm></data>".to_owned(), "k.xml:1: this is a kep_solver solution file"),
        (
            entry("<sources><source>1</source></sources>\n<matches>\n<match><recipient>2</recipient><score>x</score></match>\n</matches>"),
            r#"k.xml:5: <entry donor_id="1">: score "x" is not a number"#,
        ),
        (
            entry("<matches>\n<match><score>1</score></match>\n</matches>"),
            r#"k.xml:4: <entry donor_id="1">: <match> without <recipient>"#,
        ),
        (
            entry("<matches>\n<match><recipient>2</recipient><score>NaN</score></match>\n</matches>"),
            r#"k.xml:4: <entry donor_id="1">: transplant to recipient "2": score NaN is not a finite number"#,
        ),
        (
            entry("<sources>\n<source>1</source>\n<source/>\n</sources>"),
            r#"k.xml:5: <entry donor_id="1">: <source> is empty"#,
        ),
        (
            entry("<sources><source>1</source><source>2</source></sources>"),
            r#"k.xml:2: <entry donor_id="1">: donor "1" is paired with 2 recipients (1, 2)"#,
        ),
        (
            entry("<sources><recipient>1</recipient></sources>"),
            r#"k.xml:3: <entry donor_id="1">: expected <source> in <sources>, found <recipient>"#,
        ),
    ];
    for (text, expected) in &cases {
        check(X, text, expected);
    }
}

#[test]
fn read_file_refuses_what_it_cannot_read() {
    let dir = std::env::temp_dir().join(format!("rex-read-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let cases = [
        ("x.txt", "1 0\n", "unknown file type"),
        (
            "x.ndds",
            "0 0\n-1 -1 -1\n",
            "read together with its .input file",
        ),
        ("x_output.json", "{}", "solution file"),
        ("y.json.xz", "not xz", "cannot decompress xz data"),
        ("z.input", "", "empty file"),
    ];
    for (file, content, expected) in cases {
        let path = dir.join(file);
        std::fs::write(&path, content).unwrap();
        let e = read_file(&path).unwrap_err().to_string();
        assert!(e.contains(expected), "{file}: {e}");
        assert!(e.starts_with(&path.display().to_string()), "{e}");
    }
    let e = read_file(&dir.join("missing.json"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("cannot read"), "{e}");

    // A sibling .ndds file is read with its .input, and its errors name it.
    std::fs::write(dir.join("s.input"), "2 1\n0 1 1\n-1 -1 -1\n").unwrap();
    std::fs::write(dir.join("s.ndds"), "1 1\n0 1 1\n-1 -1 -1\n").unwrap();
    let g = read_file(&dir.join("s.input")).unwrap();
    assert_eq!(
        (g.request_count(), g.offer_count(), g.arcs().len()),
        (2, 1, 2)
    );
    std::fs::write(dir.join("s.ndds"), "1 1\n0 5 1\n-1 -1 -1\n").unwrap();
    let e = read_file(&dir.join("s.input")).unwrap_err().to_string();
    let ndds = dir.join("s.ndds").display().to_string();
    assert_eq!(
        e,
        format!("{ndds}:2: pair 5 is out of range: there are 2 pairs, numbered 0..=1")
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
