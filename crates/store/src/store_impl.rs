//! The one body of [`latchkey_core::Store`] for both backends, stamped by
//! [`store_impl!`] for each pool type.
//!
//! The SQL is the same for SQLite and PostgreSQL: `$n` placeholders (SQLite reads them
//! as numbered parameters), `INSERT … ON CONFLICT … RETURNING`, integers for booleans.
//! Where the backends differ — connection pools, SQLite's single writer beside its
//! readers, migrations and pool probes — their own modules say so. Each store has a
//! `write` pool and a `read` pool (the same pool for PostgreSQL), and `sessions` and
//! `rotations` batchers (`crate::batch`, whose SQL is in `crate::batch_writes`); the
//! invoking module imports the items the body names.
//!
//! One macro for the whole `impl Store` (`#[async_trait]` must see every method, so the
//! body cannot be split into per-resource macros): accounts, client keys, sessions,
//! signing keys, then failed-attempt counters, in the trait's order.

/// Implements `Store` for `$store`, whose rows are `$row` and database `$db`.
macro_rules! store_impl {
    ($store:ident, $row:ty, $db:ty) => {
        rows::impl_get!($row);

        #[async_trait]
        impl Store for $store {
            async fn ping(&self) -> Result<(), StoreError> {
                sqlx::query("SELECT 1")
                    .execute(&self.read)
                    .await
                    .store_err()?;
                Ok(())
            }

            async fn insert_account(&self, a: &AccountRecord) -> Result<(), StoreError> {
                sqlx::query("INSERT INTO accounts (id, email, password_hash, created_at, tokens_not_before) VALUES ($1, $2, $3, $4, $5)")
                    .bind(a.id.as_str())
                    .bind(a.email.as_str())
                    .bind(&a.password_hash)
                    .bind(a.created_at)
                    .bind(a.tokens_not_before)
                    .execute(&self.write)
                    .await
                    .store_err()?;
                Ok(())
            }

            async fn account_by_id(&self, id: &AccountId) -> Result<Option<AccountRecord>, StoreError> {
                let sql = format!("SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE id = $1");
                let row = sqlx::query(&sql)
                    .bind(id.as_str())
                    .fetch_optional(&self.read)
                    .await
                    .store_err()?;
                row.as_ref().map(rows::account).transpose()
            }

            async fn account_by_email(&self, email: &Email) -> Result<Option<AccountRecord>, StoreError> {
                let sql = format!("SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE email = $1");
                let row = sqlx::query(&sql)
                    .bind(email.as_str())
                    .fetch_optional(&self.read)
                    .await
                    .store_err()?;
                row.as_ref().map(rows::account).transpose()
            }

            async fn change_password(
                &self,
                id: &AccountId,
                password_hash: &str,
                now: i64,
            ) -> Result<(), StoreError> {
                let mut tx = self.write.begin().await.store_err()?;
                sqlx::query("UPDATE accounts SET password_hash = $1, tokens_not_before = $2 WHERE id = $3")
                    .bind(password_hash)
                    .bind(now)
                    .bind(id.as_str())
                    .execute(&mut *tx)
                    .await
                    .store_err()?;
                sqlx::query(
                    "UPDATE sessions SET revoked_at = $1 WHERE account_id = $2 AND revoked_at IS NULL",
                )
                .bind(now)
                .bind(id.as_str())
                .execute(&mut *tx)
                .await
                .store_err()?;
                tx.commit().await.store_err()
            }

            async fn insert_client_key(&self, k: &ClientKeyRecord) -> Result<(), StoreError> {
                sqlx::query(
                    "INSERT INTO client_keys (id, account_id, name, secret_digest, scope, created_at, last_used_at, rotation) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(k.id.as_str())
                .bind(k.account_id.as_str())
                .bind(k.name.as_deref())
                .bind(k.secret_digest.as_bytes())
                .bind(k.scope.to_string())
                .bind(k.created_at)
                .bind(k.last_used_at)
                .bind(k.rotation.map(i64::from))
                .execute(&self.write)
                .await
                .store_err()?;
                Ok(())
            }

            async fn client_key(&self, id: &ClientId) -> Result<Option<ClientKeyRecord>, StoreError> {
                let sql = format!("SELECT {CLIENT_KEY_COLUMNS} FROM client_keys WHERE id = $1");
                let row = sqlx::query(&sql)
                    .bind(id.as_str())
                    .fetch_optional(&self.read)
                    .await
                    .store_err()?;
                row.as_ref().map(rows::client_key).transpose()
            }

            async fn client_keys(&self, account: &AccountId) -> Result<Vec<ClientKeyRecord>, StoreError> {
                let sql = format!(
                    "SELECT {CLIENT_KEY_COLUMNS} FROM client_keys WHERE account_id = $1 ORDER BY created_at, id"
                );
                let found = sqlx::query(&sql)
                    .bind(account.as_str())
                    .fetch_all(&self.read)
                    .await
                    .store_err()?;
                found.iter().map(rows::client_key).collect()
            }

            async fn delete_client_key(
                &self,
                account: &AccountId,
                id: &ClientId,
                now: i64,
            ) -> Result<bool, StoreError> {
                let mut tx = self.write.begin().await.store_err()?;
                let deleted = sqlx::query("DELETE FROM client_keys WHERE id = $1 AND account_id = $2")
                    .bind(id.as_str())
                    .bind(account.as_str())
                    .execute(&mut *tx)
                    .await
                    .store_err()?
                    .rows_affected();
                if deleted == 0 {
                    return Ok(false);
                }
                sqlx::query("UPDATE sessions SET revoked_at = $1 WHERE kind = 'client_refresh' AND client_id = $2 AND revoked_at IS NULL")
                    .bind(now)
                    .bind(id.as_str())
                    .execute(&mut *tx)
                    .await
                    .store_err()?;
                tx.commit().await.store_err()?;
                Ok(true)
            }

            async fn touch_client_key(&self, id: &ClientId, now: i64) -> Result<(), StoreError> {
                sqlx::query("UPDATE client_keys SET last_used_at = $1 WHERE id = $2")
                    .bind(now)
                    .bind(id.as_str())
                    .execute(&self.write)
                    .await
                    .store_err()?;
                Ok(())
            }

            async fn insert_session(&self, s: &SessionRecord) -> Result<(), StoreError> {
                self.sessions.submit(s.clone()).await
            }

            async fn live_session(
                &self,
                id: &SessionId,
                now: i64,
            ) -> Result<Option<SessionRecord>, StoreError> {
                let sql = format!(
                    "SELECT {SESSION_COLUMNS} FROM sessions WHERE id = $1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > $2)"
                );
                let row = sqlx::query(&sql)
                    .bind(id.as_str())
                    .bind(now)
                    .fetch_optional(&self.read)
                    .await
                    .store_err()?;
                row.as_ref().map(rows::session).transpose()
            }

            async fn touch_session(&self, id: &SessionId, now: i64) -> Result<(), StoreError> {
                sqlx::query("UPDATE sessions SET last_used_at = $1 WHERE id = $2")
                    .bind(now)
                    .bind(id.as_str())
                    .execute(&self.write)
                    .await
                    .store_err()?;
                Ok(())
            }

            async fn sessions(
                &self,
                account: &AccountId,
                now: i64,
            ) -> Result<Vec<SessionRecord>, StoreError> {
                let sql = format!(
                    "SELECT {SESSION_COLUMNS} FROM sessions WHERE account_id = $1 AND revoked_at IS NULL \
                     AND (expires_at IS NULL OR expires_at > $2) ORDER BY created_at DESC, id"
                );
                let found = sqlx::query(&sql)
                    .bind(account.as_str())
                    .bind(now)
                    .fetch_all(&self.read)
                    .await
                    .store_err()?;
                found.iter().map(rows::session).collect()
            }

            async fn revoke_session(
                &self,
                account: &AccountId,
                id: &SessionId,
                now: i64,
            ) -> Result<bool, StoreError> {
                let done = sqlx::query(
                    "UPDATE sessions SET revoked_at = $1 WHERE id = $2 AND account_id = $3 AND revoked_at IS NULL \
                     AND (expires_at IS NULL OR expires_at > $4)",
                )
                .bind(now)
                .bind(id.as_str())
                .bind(account.as_str())
                .bind(now)
                .execute(&self.write)
                .await
                .store_err()?;
                Ok(done.rows_affected() > 0)
            }

            async fn rotate_session(
                &self,
                id: &SessionId,
                from: u64,
                access: &IssuedAccess,
                now: i64,
            ) -> Result<Option<SessionRecord>, StoreError> {
                let rotation = Rotation {
                    id: id.clone(),
                    from,
                    access: access.clone(),
                    now,
                };
                self.rotations.submit(rotation).await
            }

            async fn revoke_session_by_id(&self, id: &SessionId, now: i64) -> Result<bool, StoreError> {
                let done =
                    sqlx::query("UPDATE sessions SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
                        .bind(now)
                        .bind(id.as_str())
                        .execute(&self.write)
                        .await
                        .store_err()?;
                Ok(done.rows_affected() > 0)
            }

            async fn revoke_sessions(&self, account: &AccountId, now: i64) -> Result<u64, StoreError> {
                let done = sqlx::query(
                    "UPDATE sessions SET revoked_at = $1 WHERE account_id = $2 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > $3)",
                )
                .bind(now)
                .bind(account.as_str())
                .bind(now)
                .execute(&self.write)
                .await
                .store_err()?;
                Ok(done.rows_affected())
            }

            async fn signing_keys(&self) -> Result<Vec<SigningKeyRecord>, StoreError> {
                let found = sqlx::query(
                    "SELECT kid, algorithm, private_key, created_at, activates_at, retires_at, expires_at FROM signing_keys ORDER BY created_at, kid",
                )
                .fetch_all(&self.read)
                .await
                .store_err()?;
                found.iter().map(rows::signing_key).collect()
            }

            async fn insert_signing_key(&self, k: &SigningKeyRecord) -> Result<(), StoreError> {
                insert_signing_key(&self.write, k).await
            }

            async fn rotate_signing_key(
                &self,
                next: &SigningKeyRecord,
                now: i64,
                retiring_expires_at: i64,
            ) -> Result<bool, StoreError> {
                let mut tx = self.write.begin().await.store_err()?;
                // The conditional update is the guard: of two instances rotating at once, the
                // second finds no key left to retire (PostgreSQL re-checks the row after the
                // first commits; SQLite runs one writer at a time).
                let retired = sqlx::query(
                    "UPDATE signing_keys SET retires_at = $1, expires_at = $2 \
                     WHERE retires_at IS NULL AND activates_at <= $3",
                )
                .bind(next.activates_at)
                .bind(retiring_expires_at)
                .bind(now)
                .execute(&mut *tx)
                .await
                .store_err()?;
                if retired.rows_affected() == 0 {
                    return Ok(false);
                }
                insert_signing_key(&mut *tx, next).await?;
                tx.commit().await.store_err()?;
                Ok(true)
            }

            async fn advance_signing_key(
                &self,
                kid: &str,
                now: i64,
                retiring_expires_at: i64,
            ) -> Result<bool, StoreError> {
                let mut tx = self.write.begin().await.store_err()?;
                let advanced = sqlx::query(
                    "UPDATE signing_keys SET activates_at = $1 WHERE kid = $2 AND activates_at > $3",
                )
                .bind(now)
                .bind(kid)
                .bind(now)
                .execute(&mut *tx)
                .await
                .store_err()?;
                if advanced.rows_affected() == 0 {
                    return Ok(false);
                }
                sqlx::query(
                    "UPDATE signing_keys SET retires_at = $1, expires_at = $2 \
                     WHERE kid <> $3 AND activates_at <= $4 AND (retires_at IS NULL OR retires_at > $5)",
                )
                .bind(now)
                .bind(retiring_expires_at)
                .bind(kid)
                .bind(now)
                .bind(now)
                .execute(&mut *tx)
                .await
                .store_err()?;
                tx.commit().await.store_err()?;
                Ok(true)
            }

            async fn reseal_signing_key(&self, kid: &str, private_key: &[u8]) -> Result<(), StoreError> {
                sqlx::query("UPDATE signing_keys SET private_key = $1 WHERE kid = $2")
                    .bind(private_key)
                    .bind(kid)
                    .execute(&self.write)
                    .await
                    .store_err()?;
                Ok(())
            }

            async fn delete_signing_key(&self, kid: &str) -> Result<bool, StoreError> {
                let done = sqlx::query("DELETE FROM signing_keys WHERE kid = $1")
                    .bind(kid)
                    .execute(&self.write)
                    .await
                    .store_err()?;
                Ok(done.rows_affected() > 0)
            }

            async fn live_sessions_signed_between(
                &self,
                from: i64,
                to: i64,
                now: i64,
            ) -> Result<bool, StoreError> {
                let found = sqlx::query(
                    "SELECT 1 FROM sessions WHERE revoked_at IS NULL \
                     AND (expires_at IS NULL OR expires_at > $1) \
                     AND COALESCE(rotated_at, created_at) BETWEEN $2 AND $3 LIMIT 1",
                )
                .bind(now)
                .bind(from)
                .bind(to)
                .fetch_optional(&self.read)
                .await
                .store_err()?;
                Ok(found.is_some())
            }

            async fn attempts(&self, keys: &[String]) -> Result<Vec<AttemptRecord>, StoreError> {
                if keys.is_empty() {
                    return Ok(Vec::new());
                }
                let mut select = sqlx::QueryBuilder::new(
                    "SELECT key, failures, locked_until FROM attempts WHERE key IN (",
                );
                let mut list = select.separated(", ");
                for key in keys {
                    list.push_bind(key.as_str());
                }
                select.push(")");
                let found = select.build().fetch_all(&self.read).await.store_err()?;
                found.iter().map(rows::attempt).collect()
            }

            async fn record_failed_attempt(
                &self,
                key: &str,
                now: i64,
                window_start: i64,
            ) -> Result<u32, StoreError> {
                let failures: i64 = sqlx::query_scalar(
                    "INSERT INTO attempts (key, failures, locked_until, updated_at) VALUES ($1, 1, NULL, $2) \
                     ON CONFLICT (key) DO UPDATE SET \
                     failures = CASE WHEN attempts.updated_at < $3 THEN 1 ELSE attempts.failures + 1 END, \
                     locked_until = CASE WHEN attempts.updated_at < $3 THEN NULL ELSE attempts.locked_until END, \
                     updated_at = $2 \
                     RETURNING failures",
                )
                .bind(key)
                .bind(now)
                .bind(window_start)
                .fetch_one(&self.write)
                .await
                .store_err()?;
                Ok(u32::try_from(failures).unwrap_or(u32::MAX))
            }

            async fn lock_attempts(&self, key: &str, until: i64) -> Result<(), StoreError> {
                sqlx::query("UPDATE attempts SET locked_until = $1 WHERE key = $2")
                    .bind(until)
                    .bind(key)
                    .execute(&self.write)
                    .await
                    .store_err()?;
                Ok(())
            }

            async fn clear_attempts(&self, key: &str) -> Result<(), StoreError> {
                sqlx::query("DELETE FROM attempts WHERE key = $1")
                    .bind(key)
                    .execute(&self.write)
                    .await
                    .store_err()?;
                Ok(())
            }

            async fn client_key_with_attempts(
                &self,
                id: &ClientId,
                attempts_key: &str,
            ) -> Result<Option<(ClientKeyRecord, AttemptRecord)>, StoreError> {
                let sql = format!(
                    "SELECT {CLIENT_KEY_COLUMNS}, key, failures, locked_until FROM client_keys \
                     LEFT JOIN attempts ON key = $1 WHERE id = $2"
                );
                let row = sqlx::query(&sql)
                    .bind(attempts_key)
                    .bind(id.as_str())
                    .fetch_optional(&self.read)
                    .await
                    .store_err()?;
                row.as_ref()
                    .map(|row| Ok((rows::client_key(row)?, rows::attempt_or_none(row)?)))
                    .transpose()
            }

            async fn purge_attempts(&self, before: i64) -> Result<u64, StoreError> {
                let done = sqlx::query(
                    "DELETE FROM attempts WHERE updated_at < $1 AND (locked_until IS NULL OR locked_until < $2)",
                )
                .bind(before)
                .bind(before)
                .execute(&self.write)
                .await
                .store_err()?;
                Ok(done.rows_affected())
            }

            async fn insert_audit_event(&self, e: &AuditRecord) -> Result<(), StoreError> {
                sqlx::query(
                    "INSERT INTO audit_events (at, kind, account_id, client_id, source, detail) \
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(e.at)
                .bind(&e.kind)
                .bind(e.account_id.as_deref())
                .bind(e.client_id.as_deref())
                .bind(e.source.as_deref())
                .bind(e.detail.as_deref())
                .execute(&self.write)
                .await
                .store_err()?;
                Ok(())
            }

            async fn audit_events(&self, q: &AuditQuery) -> Result<Vec<AuditRecord>, StoreError> {
                let mut select = sqlx::QueryBuilder::new(
                    "SELECT id, at, kind, account_id, client_id, source, detail FROM audit_events WHERE 1 = 1",
                );
                if let Some(account) = &q.account_id {
                    select.push(" AND account_id = ").push_bind(account.as_str());
                }
                if let Some(kind) = &q.kind {
                    select.push(" AND kind = ").push_bind(kind.as_str());
                }
                if let Some(since) = q.since {
                    select.push(" AND at >= ").push_bind(since);
                }
                if let Some(before) = q.before {
                    select.push(" AND id < ").push_bind(before);
                }
                select
                    .push(" ORDER BY id DESC LIMIT ")
                    .push_bind(i64::from(q.limit));
                let found = select.build().fetch_all(&self.read).await.store_err()?;
                found.iter().map(rows::audit_event).collect()
            }

            async fn purge_ended_sessions(&self, before: i64, limit: u32) -> Result<u64, StoreError> {
                let done = sqlx::query(
                    "DELETE FROM sessions WHERE id IN (SELECT id FROM sessions \
                     WHERE expires_at < $1 OR revoked_at < $2 LIMIT $3)",
                )
                .bind(before)
                .bind(before)
                .bind(i64::from(limit))
                .execute(&self.write)
                .await
                .store_err()?;
                Ok(done.rows_affected())
            }
        }

        async fn insert_signing_key<'e>(
            executor: impl sqlx::Executor<'e, Database = $db>,
            k: &SigningKeyRecord,
        ) -> Result<(), StoreError> {
            sqlx::query(
                "INSERT INTO signing_keys (kid, algorithm, private_key, created_at, activates_at, retires_at, expires_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(&k.kid)
            .bind(k.algorithm.as_str())
            .bind(&k.private_key)
            .bind(k.created_at)
            .bind(k.activates_at)
            .bind(k.retires_at)
            .bind(k.expires_at)
            .execute(executor)
            .await
            .store_err()?;
            Ok(())
        }
    };
}

pub(crate) use store_impl;
