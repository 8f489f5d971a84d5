//! Real-time profiles: definitions, the DDL they generate and the statement-level
//! triggers that keep each profile table exact.
