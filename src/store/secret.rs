//! The installation's secret: made once (the first start of any instance),
//! shared by every instance through the store; the key of the keyed hashes
//! that correlate failed sign-ins without storing the names typed.

use super::{Result, Store};
use rand::RngCore;
use sqlx::Row;

impl Store {
    /// The installation's secret (32 random bytes), made on first use.
    pub async fn install_secret(&self) -> Result<Vec<u8>> {
        let mut fresh = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut fresh);
        sqlx::query("INSERT INTO install_secret (id, secret) VALUES (1, $1) ON CONFLICT (id) DO NOTHING")
            .bind(crate::digest::hex(&fresh))
            .execute(self.pool())
            .await?;
        let r = sqlx::query("SELECT secret FROM install_secret WHERE id = 1").fetch_one(self.pool()).await?;
        Ok(r.try_get::<String, _>("secret")?.into_bytes())
    }
}
