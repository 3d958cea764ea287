//! The page's allocator (src/heap.rs) under random allocations, frees and reallocations:
//! every block is aligned, inside memory the heap was given, apart from every other live
//! block, and keeps its contents until freed; freed blocks are used again.

#![cfg(not(target_arch = "wasm32"))]

use std::alloc::{alloc_zeroed, dealloc, Layout};
use std::collections::BTreeMap;

use okta_link::heap::{class_of, Heap, Pages, PAGE};
use proptest::prelude::*;

/// Pages from one big region, handed out in order (like `memory.grow`), or from the end of a
/// gap when `gaps` is set (memory grown by someone else in between).
struct Arena {
    base: *mut u8,
    pages: usize,
    used: usize,
    gaps: bool,
    grown: Vec<(usize, usize)>,
}

impl Arena {
    fn new(pages: usize, gaps: bool) -> Arena {
        let layout = Layout::from_size_align(pages * PAGE, PAGE).unwrap();
        // SAFETY: a non-zero size.
        let base = unsafe { alloc_zeroed(layout) };
        assert!(!base.is_null());
        Arena {
            base,
            pages,
            used: 0,
            gaps,
            grown: Vec::new(),
        }
    }

    /// Whether every page under `[start, start + len)` was handed out by `grow`.
    fn owns(&self, start: usize, len: usize) -> bool {
        let page = |addr: usize| (addr - self.base as usize) / PAGE;
        start >= self.base as usize
            && (page(start)..=page(start + len - 1)).all(|i| {
                let addr = self.base as usize + i * PAGE;
                self.grown
                    .iter()
                    .any(|&(a, n)| addr >= a && addr < a + n * PAGE)
            })
    }
}

impl Drop for Arena {
    fn drop(&mut self) {
        let layout = Layout::from_size_align(self.pages * PAGE, PAGE).unwrap();
        // SAFETY: allocated in `new` with this layout.
        unsafe { dealloc(self.base, layout) };
    }
}

impl Pages for Arena {
    fn grow(&mut self, count: usize) -> Option<usize> {
        let skip = usize::from(self.gaps && self.used > 0);
        if self.used + skip + count > self.pages {
            return None;
        }
        self.used += skip;
        let at = self.base as usize + self.used * PAGE;
        self.used += count;
        self.grown.push((at, count));
        Some(at)
    }
}

#[derive(Debug, Clone)]
enum Op {
    Alloc { size: usize, align_log: u32 },
    Free(usize),
    Realloc(usize, usize),
}

fn op() -> impl Strategy<Value = Op> {
    let size = prop_oneof![4 => 1usize..64, 3 => 64usize..4096, 1 => 4096usize..200_000];
    prop_oneof![
        5 => (size.clone(), 0u32..8).prop_map(|(size, align_log)| Op::Alloc { size, align_log }),
        3 => any::<usize>().prop_map(Op::Free),
        2 => (any::<usize>(), size).prop_map(|(i, n)| Op::Realloc(i, n)),
    ]
}

struct Live {
    size: usize,
    align: usize,
    fill: u8,
}

fn check_fill(ptr: usize, live: &Live) -> Result<(), TestCaseError> {
    // SAFETY: a live block of at least `size` bytes.
    let bytes = unsafe { std::slice::from_raw_parts(ptr as *const u8, live.size) };
    prop_assert!(
        bytes.iter().all(|&b| b == live.fill),
        "block at {ptr:#x} lost its contents"
    );
    Ok(())
}

fn run(ops: Vec<Op>, gaps: bool) -> Result<(), TestCaseError> {
    let mut heap = Heap::new(Arena::new(1024, gaps));
    let mut live: BTreeMap<usize, Live> = BTreeMap::new();
    let mut fill = 0u8;
    for op in ops {
        match op {
            Op::Alloc { size, align_log } => {
                let align = 1usize << align_log;
                // SAFETY: the arena's memory is ours.
                let p = unsafe { heap.alloc(size, align) } as usize;
                prop_assert!(p != 0, "out of memory for {size}");
                prop_assert_eq!(p % align, 0, "misaligned block");
                fill = fill.wrapping_add(1);
                // SAFETY: a fresh block of `size` bytes.
                unsafe { std::ptr::write_bytes(p as *mut u8, fill, size) };
                live.insert(p, Live { size, align, fill });
            }
            Op::Free(i) if !live.is_empty() => {
                let p = *live.keys().nth(i % live.len()).unwrap();
                let l = live.remove(&p).unwrap();
                check_fill(p, &l)?;
                // SAFETY: a live block with its size and alignment.
                unsafe { heap.dealloc(p as *mut u8, l.size, l.align) };
            }
            Op::Realloc(i, new) if !live.is_empty() => {
                let p = *live.keys().nth(i % live.len()).unwrap();
                let l = live.remove(&p).unwrap();
                check_fill(p, &l)?;
                // SAFETY: a live block with its size and alignment.
                let q = unsafe { heap.realloc(p as *mut u8, l.size, l.align, new) } as usize;
                prop_assert!(q != 0);
                prop_assert_eq!(q % l.align, 0);
                let kept = Live {
                    size: l.size.min(new),
                    ..l
                };
                check_fill(q, &kept)?;
                // SAFETY: the block now has `new` bytes.
                unsafe { std::ptr::write_bytes(q as *mut u8, l.fill, new) };
                live.insert(q, Live { size: new, ..kept });
            }
            _ => {}
        }
        // Apart from each other and inside the arena's grown pages.
        let mut last_end = 0;
        for (&p, l) in &live {
            prop_assert!(p >= last_end, "blocks overlap at {p:#x}");
            prop_assert!(heap_owns(&heap, p, l.size));
            last_end = p + l.size;
        }
    }
    for (p, l) in &live {
        check_fill(*p, l)?;
    }
    Ok(())
}

fn heap_owns(heap: &Heap<Arena>, p: usize, len: usize) -> bool {
    heap.pages().owns(p, len)
}

proptest! {
    // Each case runs up to 300 operations over 64 MiB; 128 cases take a few seconds.
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn blocks_are_aligned_apart_and_keep_their_contents(ops in prop::collection::vec(op(), 1..300)) {
        run(ops, false)?;
    }

    #[test]
    fn memory_grown_by_someone_else_in_between_is_left_alone(ops in prop::collection::vec(op(), 1..300)) {
        run(ops, true)?;
    }
}

#[test]
fn size_classes() {
    assert_eq!(class_of(1, 1), Some(3));
    assert_eq!(class_of(8, 8), Some(3));
    assert_eq!(class_of(9, 1), Some(4));
    assert_eq!(class_of(3, 64), Some(6));
    assert_eq!(class_of(65_536, 8), Some(16));
    assert_eq!(class_of(1 << 31, 8), Some(31));
    assert_eq!(class_of((1 << 31) + 1, 8), None);
    assert_eq!(class_of(8, 2 * PAGE), None);
}

#[test]
fn a_freed_block_is_used_again_and_same_class_reallocation_stays_put() {
    let mut heap = Heap::new(Arena::new(64, false));
    // SAFETY: the arena's memory is ours; sizes and alignments match on free.
    unsafe {
        let a = heap.alloc(24, 8);
        let b = heap.alloc(24, 8);
        assert_ne!(a, b);
        heap.dealloc(a, 24, 8);
        assert_eq!(
            heap.alloc(30, 8),
            a,
            "a freed 32-byte block is handed out again"
        );
        assert_eq!(heap.realloc(b, 24, 8, 32), b, "same class: same block");
        let c = heap.realloc(b, 32, 8, 33);
        assert_ne!(c, b, "the next class moves");
        assert_eq!(heap.alloc(32, 8), b, "and frees the old block");
    }
}

#[test]
fn exhausted_memory_is_a_null_block_not_a_crash() {
    let mut heap = Heap::new(Arena::new(4, false));
    // SAFETY: the arena's memory is ours.
    unsafe {
        assert!(heap.alloc(5 * PAGE, 8).is_null());
        assert!(!heap.alloc(100, 8).is_null());
    }
}
