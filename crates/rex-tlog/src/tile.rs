//! The C2SP tlog-tiles read API: tile paths, hash tiles and entry bundles.
//!
//! A log is mirrored by fetching `checkpoint`, then `tile/<L>/<N>[.p/<W>]` (256 hashes of
//! tree level `8L` each, 32 bytes apiece) and `tile/entries/<N>[.p/<W>]` (the entries under
//! level-0 tile `N`, each prefixed with its big-endian `u16` length).
//!
//! `tlog_tiles` formats the older Go checksum-database paths (`tile/<H>/<L>/...`, `data`
//! instead of `entries`), so the path syntax is ours; the tile contents come from its
//! `Tile::read_data` with height 8.

use std::fmt;
use std::str::FromStr;

use crate::store::StoreReader;
use crate::{Error, TileStore};

/// Tree levels per tile, fixed by c2sp.org/tlog-tiles.
pub const TILE_HEIGHT: u8 = 8;

/// Hashes in a full tile, and entries in a full entry bundle.
pub const TILE_WIDTH: u64 = 1 << TILE_HEIGHT;

/// Highest tile level a path may name.
pub const MAX_TILE_LEVEL: u8 = 63;

/// A resource of the tlog-tiles API: a hash tile or an entry bundle, full or partial.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TilePath {
    /// `tile/<level>/<index>[.p/<width>]`: hashes `index*256 ..` at tree level `8*level`.
    Hashes { level: u8, index: u64, width: u16 },
    /// `tile/entries/<index>[.p/<width>]`: entries `index*256 ..`.
    Entries { index: u64, width: u16 },
}

impl TilePath {
    /// A hash tile. `width` is 1 to 256; 256 is a full tile.
    pub fn hashes(level: u8, index: u64, width: u16) -> Result<Self, Error> {
        let path = TilePath::Hashes {
            level,
            index,
            width,
        };
        if level > MAX_TILE_LEVEL || !(1..=TILE_WIDTH as u16).contains(&width) {
            return Err(Error::MalformedTilePath(format!("{path:?}")));
        }
        Ok(path)
    }

    /// An entry bundle. `width` is 1 to 256; 256 is a full bundle.
    pub fn entries(index: u64, width: u16) -> Result<Self, Error> {
        let path = TilePath::Entries { index, width };
        if !(1..=TILE_WIDTH as u16).contains(&width) {
            return Err(Error::MalformedTilePath(format!("{path:?}")));
        }
        Ok(path)
    }

    /// The tile's index within its level.
    pub fn index(&self) -> u64 {
        match *self {
            TilePath::Hashes { index, .. } | TilePath::Entries { index, .. } => index,
        }
    }

    /// Number of hashes or entries in it.
    pub fn width(&self) -> u16 {
        match *self {
            TilePath::Hashes { width, .. } | TilePath::Entries { width, .. } => width,
        }
    }

    /// Whether it is a partial tile (fewer than 256 hashes or entries).
    pub fn is_partial(&self) -> bool {
        u64::from(self.width()) < TILE_WIDTH
    }

    /// The smallest tree size that holds everything the tile lists, or `None` beyond `u64`.
    pub fn min_tree_size(&self) -> Option<u64> {
        let (level, index, width) = match *self {
            TilePath::Hashes {
                level,
                index,
                width,
            } => (level, index, width),
            TilePath::Entries { index, width } => (0, index, width),
        };
        let hashes_at_level = index
            .checked_mul(TILE_WIDTH)?
            .checked_add(u64::from(width))?;
        let shift = u32::from(level) * u32::from(TILE_HEIGHT);
        if shift >= 64 {
            return None;
        }
        let size = hashes_at_level.checked_shl(shift)?;
        (size >> shift == hashes_at_level).then_some(size)
    }
}

impl fmt::Display for TilePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TilePath::Hashes { level, .. } => write!(f, "tile/{level}/")?,
            TilePath::Entries { .. } => f.write_str("tile/entries/")?,
        }
        // The index in groups of three digits, all but the last prefixed with 'x'.
        let index = self.index();
        let mut groups = vec![index % 1000];
        let mut rest = index / 1000;
        while rest > 0 {
            groups.push(rest % 1000);
            rest /= 1000;
        }
        for (i, group) in groups.iter().rev().enumerate() {
            if i + 1 < groups.len() {
                write!(f, "x{group:03}/")?;
            } else {
                write!(f, "{group:03}")?;
            }
        }
        if self.is_partial() {
            write!(f, ".p/{}", self.width())?;
        }
        Ok(())
    }
}

/// A decimal with no sign, no leading zero (but `0` itself) and no other character.
fn parse_canonical_decimal(s: &str) -> Option<u64> {
    let canonical =
        !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) && (s == "0" || !s.starts_with('0'));
    canonical.then(|| s.parse().ok()).flatten()
}

impl FromStr for TilePath {
    type Err = Error;

    /// Parses `tile/<L>/<N>[.p/<W>]` or `tile/entries/<N>[.p/<W>]`, in the one canonical form
    /// only, so that every tile has exactly one path.
    fn from_str(path: &str) -> Result<Self, Error> {
        let bad = || Error::MalformedTilePath(path.to_owned());
        let rest = path.strip_prefix("tile/").ok_or_else(bad)?;
        let (level, rest) = rest.split_once('/').ok_or_else(bad)?;
        let level = match level {
            "entries" => None,
            l => Some(
                parse_canonical_decimal(l)
                    .and_then(|l| u8::try_from(l).ok())
                    .filter(|&l| l <= MAX_TILE_LEVEL)
                    .ok_or_else(bad)?,
            ),
        };

        let (index_part, width) = match rest.split_once(".p/") {
            None => (rest, TILE_WIDTH as u16),
            Some((index_part, w)) => {
                let w = parse_canonical_decimal(w)
                    .filter(|w| (1..TILE_WIDTH).contains(w))
                    .ok_or_else(bad)?;
                (index_part, w as u16)
            }
        };

        let elements: Vec<&str> = index_part.split('/').collect();
        let (last, leading) = elements.split_last().ok_or_else(bad)?;
        let mut index: u64 = 0;
        for element in leading
            .iter()
            .map(|e| e.strip_prefix('x'))
            .chain([Some(*last)])
        {
            let digits = element.filter(|d| d.len() == 3).ok_or_else(bad)?;
            if !digits.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad());
            }
            let group: u64 = digits.parse().map_err(|_| bad())?;
            index = index
                .checked_mul(1000)
                .and_then(|i| i.checked_add(group))
                .ok_or_else(bad)?;
        }

        let tile = match level {
            Some(level) => TilePath::hashes(level, index, width)?,
            None => TilePath::entries(index, width)?,
        };
        // Leading "x000/" groups would name the same tile twice.
        if tile.to_string() != path {
            return Err(bad());
        }
        Ok(tile)
    }
}

/// The tiles and entry bundles that change when the tree grows from `old_size` to `new_size`:
/// new full tiles, and the partial tiles of `new_size`. A static mirror writes these.
pub fn changed_tiles(old_size: u64, new_size: u64) -> Vec<TilePath> {
    if new_size <= old_size {
        return Vec::new();
    }
    let mut out = Vec::new();
    for t in tlog_tiles::Tile::new_tiles(TILE_HEIGHT, old_size, new_size) {
        let width = u16::try_from(t.width()).expect("tile width is at most 256");
        out.push(TilePath::Hashes {
            level: t.level(),
            index: t.level_index(),
            width,
        });
        if t.level() == 0 {
            out.push(TilePath::Entries {
                index: t.level_index(),
                width,
            });
        }
    }
    out
}

/// The bytes of a hash tile or entry bundle, served from `store` for a log whose published tree
/// size is `tree_size` (at most the store's size). Fails with
/// [`Error::TileNotAvailable`] for anything that tree does not hold yet.
pub fn read_tile<S: TileStore + ?Sized>(
    store: &S,
    tree_size: u64,
    path: &TilePath,
) -> Result<Vec<u8>, Error> {
    // The variants are public, so a path may not have come through a checked constructor.
    match *path {
        TilePath::Hashes {
            level,
            index,
            width,
        } => TilePath::hashes(level, index, width)?,
        TilePath::Entries { index, width } => TilePath::entries(index, width)?,
    };
    if path.min_tree_size().is_none_or(|min| min > tree_size) {
        return Err(Error::TileNotAvailable {
            path: path.to_string(),
            size: tree_size,
        });
    }
    match *path {
        TilePath::Hashes {
            level,
            index,
            width,
        } => {
            let tile = tlog_tiles::Tile::new(TILE_HEIGHT, level, index, u32::from(width), false);
            let reader = StoreReader::new(store);
            let result = tile.read_data(&reader);
            reader.finish(result)
        }
        TilePath::Entries { index, width } => {
            let start = index * TILE_WIDTH;
            let entries = store.read_entries(start, start + u64::from(width))?;
            if entries.len() != usize::from(width) {
                return Err(Error::store(format!(
                    "asked for {width} entries, got {}",
                    entries.len()
                )));
            }
            encode_entry_bundle(&entries)
        }
    }
}

/// The level-0 tiles of a tree of `size` entries that hold entries `start..end`, as
/// `(index, width)`, in order: tile `index` holds entries `index*256 ..` and is partial
/// (`width` < 256) only if it is the last of the tree. Entry bundles are numbered as the
/// level-0 tiles, so these are also the bundles to fetch for those entries. `end` is capped
/// at `size`.
pub fn level0_tiles(start: u64, end: u64, size: u64) -> impl Iterator<Item = (u64, u16)> {
    let end = end.min(size);
    let (first, last) = if start < end {
        (start / TILE_WIDTH, end.div_ceil(TILE_WIDTH))
    } else {
        (0, 0)
    };
    (first..last).map(move |index| {
        let width = (size - index * TILE_WIDTH).min(TILE_WIDTH);
        (index, width as u16)
    })
}

/// Encodes entries as an entry bundle: each one prefixed with its length as a big-endian `u16`.
pub fn encode_entry_bundle<E: AsRef<[u8]>>(entries: &[E]) -> Result<Vec<u8>, Error> {
    let mut out = Vec::with_capacity(entries.iter().map(|e| e.as_ref().len() + 2).sum());
    for entry in entries {
        let entry = entry.as_ref();
        let len = u16::try_from(entry.len()).map_err(|_| Error::EntryTooLong(entry.len()))?;
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(entry);
    }
    Ok(out)
}

/// Decodes an entry bundle into its entries.
pub fn decode_entry_bundle(mut bytes: &[u8]) -> Result<Vec<Vec<u8>>, Error> {
    let mut entries = Vec::new();
    while !bytes.is_empty() {
        let (len, rest) = bytes
            .split_first_chunk::<2>()
            .ok_or(Error::MalformedBundle)?;
        let len = usize::from(u16::from_be_bytes(*len));
        if rest.len() < len || entries.len() as u64 >= TILE_WIDTH {
            return Err(Error::MalformedBundle);
        }
        let (entry, rest) = rest.split_at(len);
        entries.push(entry.to_vec());
        bytes = rest;
    }
    Ok(entries)
}
