//! External test vectors, written in as data.
//!
//! - RFC 6962 trees over the eight Certificate Transparency test leaves, with roots, inclusion
//!   and consistency proofs, from transparency-dev/merkle (`testonly/constants.go`,
//!   `proof/verify_test.go`).
//! - The signed-note example of Go's `golang.org/x/mod/sumdb/note` (the PeterNeumann key).
//! - A checkpoint of the arche2025h1 staging CT log with its Ed25519 signature and a
//!   cosignature/v1 from the remora.n621.de witness, as published.
//! - Tile paths and the tiling of a tree of 70,000 entries from c2sp.org/tlog-tiles.

use rex_tlog::{
    changed_tiles, leaf_hash, verify_consistency, verify_inclusion, Checkpoint, Cosignature, Error,
    Hash, Log, MemoryStore, NoteSigner, NoteVerifier, SignatureKind, SignedNote, TilePath,
    EMPTY_ROOT,
};

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex"))
        .collect()
}

fn h(s: &str) -> Hash {
    Hash::from_slice(&hex(s)).expect("32 bytes")
}

const LEAVES: [&str; 8] = [
    "",
    "00",
    "10",
    "2021",
    "3031",
    "40414243",
    "5051525354555657",
    "606162636465666768696a6b6c6d6e6f",
];

/// Roots of the trees of the first 0..=8 leaves.
const ROOTS: [&str; 9] = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
];

/// Leaf hashes of the eight leaves.
const LEAF_HASHES: [&str; 8] = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
    "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
    "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
    "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
    "4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658",
    "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
    "46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1",
];

/// (leaf index, tree size, audit path). The source numbers leaves from 1; these from 0.
const INCLUSION: &[(u64, u64, &[&str])] = &[
    (0, 1, &[]),
    (
        0,
        8,
        &[
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        5,
        8,
        &[
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (
        2,
        3,
        &["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"],
    ),
    (
        1,
        5,
        &[
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
];

/// (old size, new size, consistency proof).
const CONSISTENCY: &[(u64, u64, &[&str])] = &[
    (1, 1, &[]),
    (
        1,
        8,
        &[
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        6,
        8,
        &[
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (
        2,
        5,
        &[
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
    (
        6,
        7,
        &[
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
];

fn leaves() -> Vec<Vec<u8>> {
    LEAVES.iter().map(|l| hex(l)).collect()
}

/// A log holding the first `n` test leaves, appended one at a time.
fn log_of(n: usize) -> Log<MemoryStore> {
    let mut log = Log::open(MemoryStore::new()).unwrap();
    for leaf in &leaves()[..n] {
        log.append_batch(&[leaf]).unwrap();
    }
    log
}

#[test]
fn leaf_hashes_match_rfc6962_vectors() {
    for (leaf, want) in leaves().iter().zip(LEAF_HASHES) {
        assert_eq!(leaf_hash(leaf), h(want));
    }
}

#[test]
fn roots_match_for_every_size_and_any_batching() {
    assert_eq!(EMPTY_ROOT, h(ROOTS[0]));
    let leaves = leaves();
    for (size, want) in ROOTS.iter().enumerate() {
        // One leaf at a time, and the whole prefix as one batch, must agree.
        assert_eq!(log_of(size).root(), h(want), "size {size}, one by one");
        let mut batched = Log::open(MemoryStore::new()).unwrap();
        let append = batched.append_batch(&leaves[..size]).unwrap();
        assert_eq!(append.root(), h(want), "size {size}, one batch");
        assert_eq!(append.new_size(), size as u64);
        // And the root of an older size, read back from the full log.
        assert_eq!(log_of(8).root_at(size as u64).unwrap(), h(want));
    }
}

#[test]
fn inclusion_proofs_match_vectors() {
    let log = log_of(8);
    for &(index, size, path) in INCLUSION {
        let want: Vec<Hash> = path.iter().map(|p| h(p)).collect();
        assert_eq!(
            log.inclusion_proof(index, size).unwrap(),
            want,
            "{index} in {size}"
        );
        let leaf = h(LEAF_HASHES[index as usize]);
        verify_inclusion(index, size, leaf, &want, h(ROOTS[size as usize])).unwrap();
        assert!(matches!(
            verify_inclusion(index, size, leaf, &want, h(ROOTS[size as usize - 1])),
            Err(Error::InvalidProof)
        ));
    }
}

#[test]
fn consistency_proofs_match_vectors() {
    let log = log_of(8);
    for &(old, new, path) in CONSISTENCY {
        let want: Vec<Hash> = path.iter().map(|p| h(p)).collect();
        assert_eq!(
            log.consistency_proof(old, new).unwrap(),
            want,
            "{old} to {new}"
        );
        let (old_root, new_root) = (h(ROOTS[old as usize]), h(ROOTS[new as usize]));
        verify_consistency(old, new, old_root, new_root, &want).unwrap();
        if !want.is_empty() {
            assert!(verify_consistency(old, new, new_root, old_root, &want).is_err());
        }
    }
}

#[test]
fn consistency_from_the_empty_tree() {
    let root = h(ROOTS[3]);
    verify_consistency(0, 3, EMPTY_ROOT, root, &[]).unwrap();
    verify_consistency(0, 0, EMPTY_ROOT, EMPTY_ROOT, &[]).unwrap();
    // A size-0 checkpoint with a root other than the empty root is false.
    assert!(verify_consistency(0, 3, root, root, &[]).is_err());
    assert!(verify_consistency(0, 0, EMPTY_ROOT, root, &[]).is_err());
    assert!(verify_consistency(0, 3, EMPTY_ROOT, root, &[root]).is_err());
    // Time does not run backwards.
    assert!(verify_consistency(3, 2, root, root, &[]).is_err());
}

const GO_VKEY: &str = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
const GO_SKEY: &str =
    "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
const GO_TEXT: &str = "If you think cryptography is the answer to your problem,\n\
                       then you don't know what your problem is.\n";
const GO_NOTE: &str = "If you think cryptography is the answer to your problem,\n\
                       then you don't know what your problem is.\n\
                       \n\
                       \u{2014} PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";

#[test]
fn go_note_signs_byte_for_byte() {
    let signer = NoteSigner::from_skey(GO_SKEY).unwrap();
    assert_eq!(signer.verifier().to_string(), GO_VKEY);
    assert_eq!(signer.to_skey(), GO_SKEY);

    let mut note = SignedNote::new(GO_TEXT).unwrap();
    note.add_signature(signer.sign(GO_TEXT).unwrap()).unwrap();
    assert_eq!(note.to_string(), GO_NOTE);
}

#[test]
fn go_note_opens_and_rejects_tampering() {
    let verifier: NoteVerifier = GO_VKEY.parse().unwrap();
    assert_eq!(verifier.key_id(), 0xc74f20a3);
    let note = SignedNote::parse(GO_NOTE).unwrap();
    assert_eq!(note.text(), GO_TEXT);
    let verified = note.verify(std::slice::from_ref(&verifier)).unwrap();
    assert_eq!(verified.len(), 1);
    assert_eq!(verified[0].name, "PeterNeumann");

    let altered = SignedNote::parse(&GO_NOTE.replace("cryptography", "cryptographY")).unwrap();
    assert!(matches!(
        altered.verify(&[verifier]),
        Err(Error::InvalidSignature(name)) if name == "PeterNeumann"
    ));
}

/// As published, with the trailing newline that notes end with. Its signatures: the log's
/// RFC 6962 tree head signature (type 0x05, which we do not support and must ignore), the log's
/// Ed25519 signature, and four witnesses' cosignatures.
const ARCHE_NOTE: &str = "arche2025h1.staging.ct.transparency.dev
1432088532
U7WM79jrzyhGZ5/GUBTpM7NzwdyfFx61t3RovgcC4Ro=

\u{2014} arche2025h1.staging.ct.transparency.dev zTM8sQAAAZ5W0WdjBAMARjBEAiBjW5IQf9pvsYLfQFX6hoGREPMHbdQ3urbllzalApkptQIgIpwtEroeW2BXaHAI4kJXFbon5Ch9MNL5zRNZ55lvGt0=
\u{2014} arche2025h1.staging.ct.transparency.dev ui8GwCF1+kWqZrxGdhj4aX3gcw7XUlXQQabg/27lefwhUkzbC3NygNI75MdhL1bfTW9g8Ei59RA23oHP7Ry1k3ZFWwQ=
\u{2014} transparency.dev/DEV:witness-little-garden 2AQqhwAAAABqEiEgzgFIqqhbUoDwjMWE6UP8nd8/KYTzwZ2rhIgcqoXHAwVkjZr4AscylP3v7sEodkRAErumC2q44vdgJY096st5BQ==
\u{2014} witness1.smartit.nu/witness1 pIyCDwAAAABqEiEghIp82KWebrw7/oHQwlTAm3g2RKS4+eebl8eO0WH+/iEcxZ75W3u5hNI7TOQtmJbqmNWVuE0tgh0XwzdZsDsUAQ==
\u{2014} remora.n621.de 2net5wAAAABqEiEgPlfF3V06o0Y+fHM+J5J9s27wgxxcOVSpZ/2g/KSiXCg9DEZI+aVCIobWX9sXTynk5XeU/zZ0WBxtqB0DrAWfBw==
\u{2014} witness.stagemole.eu Z/euoAAAAABqEiEgw0i+7g2ENfDAWHmtRzCfKTHSDwYDJA2NmKeGi9Y8FtEyOUvVr+AJmIY/2TUFucgKi7lI7cUiOvKFYe/TmN9DAg==
";
const ARCHE_VKEY: &str =
    "arche2025h1.staging.ct.transparency.dev+ba2f06c0+AU0vHmlGCS/PdN8b2OaGmKprLI8HKM+dJ472xgFYh15f";
const REMORA_VKEY: &str = "remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2";

#[test]
fn real_checkpoint_with_witness_cosignature() {
    let note = SignedNote::parse(ARCHE_NOTE).unwrap();
    assert_eq!(
        note.to_string(),
        ARCHE_NOTE,
        "parsing and printing round-trip"
    );
    assert_eq!(note.signatures().len(), 6);

    let log_key: NoteVerifier = ARCHE_VKEY.parse().unwrap();
    let checkpoint = Checkpoint::open(&note, &log_key).unwrap();
    assert_eq!(
        checkpoint.origin(),
        "arche2025h1.staging.ct.transparency.dev"
    );
    assert_eq!(checkpoint.size(), 1_432_088_532);
    assert_eq!(
        checkpoint.root(),
        "U7WM79jrzyhGZ5/GUBTpM7NzwdyfFx61t3RovgcC4Ro="
            .parse()
            .unwrap()
    );

    let witness: NoteVerifier = REMORA_VKEY.parse().unwrap();
    assert_eq!(witness.kind(), SignatureKind::CosignatureV1);
    let cosigs = note
        .verified_signatures(std::slice::from_ref(&witness))
        .unwrap();
    assert_eq!(cosigs.len(), 1);
    let timestamp = cosigs[0].timestamp.expect("a cosignature has a time");

    // The same cosignature, read as a Cosignature and checked against the checkpoint.
    let line = note
        .signatures()
        .iter()
        .find(|s| s.name() == "remora.n621.de")
        .unwrap();
    let cosig = Cosignature::from_note_signature(line).unwrap();
    assert_eq!(cosig.timestamp(), timestamp);
    cosig.verify(&checkpoint, &witness).unwrap();

    // The same bytes with another tree size verify under neither key.
    let altered = SignedNote::parse(&ARCHE_NOTE.replace("1432088532", "1432088533")).unwrap();
    assert!(Checkpoint::open(&altered, &log_key).is_err());
    assert!(altered.verified_signatures(&[witness]).is_err());
}

#[test]
fn tile_paths_from_the_spec() {
    let cases = [
        (
            TilePath::hashes(0, 1_234_067, 256).unwrap(),
            "tile/0/x001/x234/067",
        ),
        (
            TilePath::hashes(0, 1_234_067, 8).unwrap(),
            "tile/0/x001/x234/067.p/8",
        ),
        (
            TilePath::entries(1_234_067, 8).unwrap(),
            "tile/entries/x001/x234/067.p/8",
        ),
        (TilePath::hashes(2, 0, 1).unwrap(), "tile/2/000.p/1"),
        (
            TilePath::entries(1000, 256).unwrap(),
            "tile/entries/x001/000",
        ),
    ];
    for (tile, path) in cases {
        assert_eq!(tile.to_string(), path);
        assert_eq!(path.parse::<TilePath>().unwrap(), tile);
    }
}

#[test]
fn tiling_of_a_tree_of_70000_entries() {
    // "273 full level 0 tiles, one partial level 0 tile of width 112, one full level 1 tile,
    // one partial level 1 tile of width 17, and one partial level 2 tile of width 1."
    let tiles = changed_tiles(0, 70_000);
    let count = |pred: &dyn Fn(&TilePath) -> bool| tiles.iter().filter(|t| pred(t)).count();
    let hashes = |l: u8, w: u16| move |t: &TilePath| matches!(*t, TilePath::Hashes { level, width, .. } if level == l && width == w);
    assert_eq!(count(&hashes(0, 256)), 273);
    assert_eq!(count(&hashes(0, 112)), 1);
    assert_eq!(count(&hashes(1, 256)), 1);
    assert_eq!(count(&hashes(1, 17)), 1);
    assert_eq!(count(&hashes(2, 1)), 1);
    assert_eq!(count(&|t| matches!(t, TilePath::Entries { .. })), 274);
    assert_eq!(tiles.len(), 273 + 1 + 1 + 1 + 1 + 274);
    // "A tree of size 256 will be represented by a full level 0 tile and a partial level 1
    // tile of width 1."
    assert_eq!(
        changed_tiles(0, 256),
        vec![
            TilePath::hashes(0, 0, 256).unwrap(),
            TilePath::entries(0, 256).unwrap(),
            TilePath::hashes(1, 0, 1).unwrap(),
        ]
    );
}
