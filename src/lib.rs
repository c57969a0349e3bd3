//! stet archives web articles from RSS, Atom and JSON feeds and watches them change.
//!
//! Data flows one way through the modules:
//! [`config`] → [`schedule`] → [`http`] (fetch, decode) → [`feed`] (entries) →
//! [`extract`] (article, metadata, comment state) → [`store`] (blobs, versions) →
//! [`diff`] → [`cli`]. [`poll`] runs one cycle through them; [`text`] holds the plain-text
//! form that hashing and diffing share.

pub mod bench;
pub mod changes;
pub mod cli;
pub mod config;
pub mod diff;
pub mod eval;
pub mod extract;
pub mod feed;
pub mod fidelity;
pub mod fuzzing;
pub mod guard;
pub mod http;
pub mod identity;
pub mod interstitial;
pub mod loopback;
pub mod multipage;
pub mod noise;
pub mod notify;
pub mod poll;
pub mod redact;
pub mod schedule;
pub mod snapshot;
pub mod store;
pub mod text;
