//! The page's memory allocator: free lists of power-of-two blocks over memory that only grows.
//!
//! A page like this one allocates small, short-lived strings and a few documents of some
//! kilobytes, and lives for minutes. A general-purpose allocator (Rust's default on wasm is
//! dlmalloc) costs about 7 KB of the module, 2.4 kB of the first load; this one costs a few
//! hundred bytes:
//!
//! * every request is rounded up to a power of two from 8 bytes ([`class_of`]), and a block of
//!   size 2^k starts at a multiple of 2^k (of 64 KiB for larger blocks), which gives every
//!   alignment up to its size;
//! * a freed block goes on the free list of its size and is handed out again for that size;
//!   nothing is merged or returned to the browser, so the heap is at most about twice what
//!   the page holds at its busiest moment, plus the alignment padding;
//! * new blocks are carved from the end of the heap, which grows by at least 1 MiB at a time.
//!
//! [`Heap`] is plain Rust over a [`Pages`] source so the native tests can drive it (random
//! allocations, frees and reallocations, checked for alignment, overlap and contents); the
//! wasm build puts it over `memory.grow` as the global allocator. wasm32 without the atomics
//! feature has one thread, which is what makes the `Sync` below sound.

/// Bytes in a wasm page.
pub const PAGE: usize = 65_536;

/// Where new memory comes from.
pub trait Pages {
    /// Add `count` pages; the address of the first, or `None` when memory is exhausted.
    fn grow(&mut self, count: usize) -> Option<usize>;
}

/// The fewest pages the heap grows by (1 MiB).
pub const GROW_PAGES: usize = 16;

/// Size classes 2^3 to 2^31.
const CLASSES: usize = 32;
const MIN_CLASS: u32 = 3;

/// The size class for `size` bytes aligned to `align`: the smallest k with 2^k ≥ both (and
/// ≥ 8). `None` past 2 GiB, or for an alignment over a page, which this page never asks for.
pub fn class_of(size: usize, align: usize) -> Option<u32> {
    if align > PAGE {
        return None;
    }
    let n = size.max(align).max(1 << MIN_CLASS);
    let k = usize::BITS - (n - 1).leading_zeros();
    (k < CLASSES as u32).then_some(k)
}

/// The allocator's state: the free lists and the end of the heap.
pub struct Heap<P> {
    pages: P,
    /// Free blocks of each class, linked through their first word (0: none).
    free: [usize; CLASSES],
    /// The unused memory at the end of the heap: `[next, end)`.
    next: usize,
    end: usize,
}

impl<P: Pages> Heap<P> {
    pub const fn new(pages: P) -> Heap<P> {
        Heap {
            pages,
            free: [0; CLASSES],
            next: 0,
            end: 0,
        }
    }

    /// Where the heap's pages come from.
    pub fn pages(&self) -> &P {
        &self.pages
    }

    /// A block for `size` bytes aligned to `align`, or null.
    ///
    /// # Safety
    /// The memory handed out by `pages` must be valid, unused, and writable.
    pub unsafe fn alloc(&mut self, size: usize, align: usize) -> *mut u8 {
        let Some(k) = class_of(size, align) else {
            return core::ptr::null_mut();
        };
        let head = self.free[k as usize];
        if head != 0 {
            // SAFETY: a free block of this class, whose first word links the next one.
            self.free[k as usize] = unsafe { *(head as *const usize) };
            return head as *mut u8;
        }
        let block = 1usize << k;
        let step = block.min(PAGE);
        let start = self.next.next_multiple_of(step);
        if self.next == 0 || start.checked_add(block).is_none_or(|e| e > self.end) {
            // Grow, by at least a mebibyte: every `memory.grow` makes the browser replace the
            // memory's buffer and wasm-bindgen its views of it, so few and large is faster.
            // Contiguous memory extends the current end; anything else starts anew.
            // Near the limit, only what this block needs.
            let need = (block + step).div_ceil(PAGE);
            let mut pages = need.max(GROW_PAGES);
            let mut grown = self.pages.grow(pages);
            if grown.is_none() && pages > need {
                pages = need;
                grown = self.pages.grow(pages);
            }
            let Some(at) = grown else {
                return core::ptr::null_mut();
            };
            if at != self.end || self.next == 0 {
                self.next = at;
            }
            self.end = at + pages * PAGE;
            let start = self.next.next_multiple_of(step);
            self.next = start + block;
            return start as *mut u8;
        }
        self.next = start + block;
        start as *mut u8
    }

    /// Give back a block from [`Heap::alloc`] with the same size and alignment.
    ///
    /// # Safety
    /// `ptr` came from this heap for `size` and `align`, and is not used again.
    pub unsafe fn dealloc(&mut self, ptr: *mut u8, size: usize, align: usize) {
        if let Some(k) = class_of(size, align) {
            // SAFETY: the block is at least 8 bytes, aligned to 8, and ours again.
            unsafe { *(ptr as *mut usize) = self.free[k as usize] };
            self.free[k as usize] = ptr as usize;
        }
    }

    /// Resize a block: the same block while the size class stays, else a new one with the
    /// contents copied.
    ///
    /// # Safety
    /// As for [`Heap::dealloc`]; on success `ptr` is not used again.
    pub unsafe fn realloc(
        &mut self,
        ptr: *mut u8,
        size: usize,
        align: usize,
        new: usize,
    ) -> *mut u8 {
        if class_of(size, align) == class_of(new, align) {
            return ptr;
        }
        // SAFETY: the caller's promises, passed on.
        unsafe {
            let moved = self.alloc(new, align);
            if !moved.is_null() {
                core::ptr::copy_nonoverlapping(ptr, moved, size.min(new));
                self.dealloc(ptr, size, align);
            }
            moved
        }
    }
}

#[cfg(target_arch = "wasm32")]
mod global {
    use super::{Heap, Pages, PAGE};
    use core::alloc::{GlobalAlloc, Layout};
    use core::cell::UnsafeCell;

    struct MemoryGrow;

    impl Pages for MemoryGrow {
        fn grow(&mut self, count: usize) -> Option<usize> {
            let before = core::arch::wasm32::memory_grow(0, count);
            (before != usize::MAX).then(|| before * PAGE)
        }
    }

    struct Global(UnsafeCell<Heap<MemoryGrow>>);

    // SAFETY: wasm32-unknown-unknown without the atomics feature runs one thread.
    unsafe impl Sync for Global {}

    #[global_allocator]
    static HEAP: Global = Global(UnsafeCell::new(Heap::new(MemoryGrow)));

    // SAFETY: one thread, and the allocator never calls back into allocation.
    unsafe impl GlobalAlloc for Global {
        unsafe fn alloc(&self, l: Layout) -> *mut u8 {
            unsafe { (*self.0.get()).alloc(l.size(), l.align()) }
        }
        unsafe fn dealloc(&self, ptr: *mut u8, l: Layout) {
            unsafe { (*self.0.get()).dealloc(ptr, l.size(), l.align()) }
        }
        unsafe fn realloc(&self, ptr: *mut u8, l: Layout, new: usize) -> *mut u8 {
            unsafe { (*self.0.get()).realloc(ptr, l.size(), l.align(), new) }
        }
    }
}
