//! raqib — self-hosted comment moderation for Arabic and English news sites.
pub mod moderation;
