//! One module per output target.
