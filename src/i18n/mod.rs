//! Message catalogues (being written)
