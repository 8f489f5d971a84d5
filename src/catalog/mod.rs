//! The model catalog: one file per table in the `persona` schema (models, versions,
//! deployments), read and written through SPI as the extension's owner.
