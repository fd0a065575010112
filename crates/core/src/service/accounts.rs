//! Accounts: sign-up, password login, profile and password change.

use std::net::IpAddr;

use latchkey_proto::Kind;
use latchkey_proto::api::LoginRequest;

use super::audit::Event;
use super::throttle::{CheckOutcome, LoginName, Subject};
use super::{AccessGrant, IssuedTokens, Latchkey, Principal};
use crate::audit::EventKind;
use crate::email::Email;
use crate::ids::{AccountId, AppId, SessionId};
use crate::secret::Password;
use crate::store::{AccountRecord, SessionGuard, SessionRecord, StoreError};
use crate::{Error, Result};

/// Options of a password login.
#[derive(Debug, Clone, Default)]
pub struct LoginOptions {
    /// A shorter access-token lifetime, in seconds.
    pub expiration: Option<u64>,
    /// Set for an offline login: the application the account refresh token is for.
    pub offline_for: Option<AppId>,
    /// Where the request came from, for brute-force protection.
    pub source: Option<IpAddr>,
}

impl TryFrom<LoginRequest> for LoginOptions {
    type Error = Error;

    fn try_from(request: LoginRequest) -> Result<Self> {
        let offline = match request.access_type.as_deref() {
            None | Some("online") => false,
            Some("offline") => true,
            Some(other) => {
                return Err(Error::InvalidRequest(format!(
                    "accessType must be \"online\" or \"offline\", not {other:?}"
                )));
            }
        };
        let offline_for = match (offline, request.client_id) {
            (true, Some(id)) => Some(AppId::parse(&id)?),
            (true, None) => {
                return Err(Error::InvalidRequest(
                    "accessType \"offline\" needs a clientId".into(),
                ));
            }
            (false, _) => None,
        };
        Ok(Self {
            expiration: request.expiration,
            offline_for,
            source: None,
        })
    }
}

impl Latchkey {
    /// Creates an account.
    ///
    /// # Errors
    ///
    /// [`Error::SignupClosed`], [`Error::InvalidRequest`] for a bad email or a password
    /// that is too short, too long or too easy to guess (see [`crate::password_policy`]),
    /// [`Error::Conflict`] if the email is registered, [`Error::Busy`] if too many
    /// password hashes are waiting, or storage errors.
    pub async fn signup(
        &self,
        email: &str,
        password: String,
        source: Option<IpAddr>,
    ) -> Result<AccountRecord> {
        if !self.settings.policies.signup_open {
            return Err(Error::SignupClosed);
        }
        self.new_account(email, password, source).await
    }

    /// Creates an account whatever the sign-up policy (for operators: `latchkeyd user add`).
    ///
    /// # Errors
    ///
    /// As [`Latchkey::signup`], except [`Error::SignupClosed`].
    pub async fn create_account(&self, email: &str, password: String) -> Result<AccountRecord> {
        self.new_account(email, password, None).await
    }

    async fn new_account(
        &self,
        email: &str,
        password: String,
        source: Option<IpAddr>,
    ) -> Result<AccountRecord> {
        let email = Email::parse(email)?;
        let password = Password::new(password)?;
        self.check_password_policy(
            &password,
            &[
                email.as_str(),
                email.as_str().split('@').next().unwrap_or_default(),
            ],
        )?;
        let now = self.now();
        let account = AccountRecord {
            id: AccountId::generate()?,
            email,
            password_hash: self.hasher.hash(&password, source).await?,
            created_at: now,
            tokens_not_before: now,
            credential_generation: 0,
            status_idx: Some(self.status_index().await?),
        };
        match self.store.insert_account(&account).await {
            Ok(()) => Ok(account),
            Err(StoreError::Conflict) => Err(Error::Conflict("this email is already registered")),
            Err(e) => Err(e.into()),
        }
    }

    /// Logs in with an account id or email and a password.
    ///
    /// An unknown account costs the same hashing time as a wrong password and gets the
    /// same answer.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidCredentials`], [`Error::InvalidRequest`] for a bad `expiration`,
    /// or storage errors.
    pub async fn login(
        &self,
        username: &str,
        password: String,
        options: LoginOptions,
    ) -> Result<IssuedTokens> {
        // Check the options first: a bad request should not cost a hash.
        self.access_lifetime(Kind::AccountAccess, options.expiration)?;
        let account = self
            .check_login(username, password, options.source, None)
            .await?;
        self.issue_account_tokens(&account, options).await
    }

    /// Checks a login's name and password under the lockout, auditing the outcome (with
    /// `detail`, e.g. where the login came from), and returns the account.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidCredentials`], [`Error::TooManyAttempts`], [`Error::Busy`], or
    /// storage errors.
    pub(super) async fn check_login(
        &self,
        username: &str,
        password: String,
        source: Option<IpAddr>,
        detail: Option<&str>,
    ) -> Result<AccountRecord> {
        let password = Password::for_login(password);
        let account = self.account_named(username).await?;
        let name = match &account {
            Some(account) => LoginName::Account(&account.id),
            None => LoginName::Unknown(username),
        };
        let audited = |kind| {
            let mut event = Event::new(kind).source(source);
            if let Some(detail) = detail {
                event = event.detail(detail);
            }
            match &account {
                Some(account) => event.account(&account.id),
                None => event,
            }
        };
        let stored = account.as_ref().map(|a| a.password_hash.as_str());
        if !self
            .guarded_password_check(
                &Subject::login(name, source),
                &password,
                stored,
                source,
                audited,
            )
            .await?
        {
            return Err(Error::InvalidCredentials);
        }
        if account.is_none() {
            return Err(Error::InvalidCredentials);
        }
        self.audit(audited(EventKind::LoginSucceeded)).await;
        account.ok_or(Error::InvalidCredentials)
    }

    /// The account named by an id or an email, if there is one.
    async fn account_named(&self, name: &str) -> Result<Option<AccountRecord>> {
        Ok(match AccountId::parse(name.trim()) {
            Some(id) => self.store.account_by_id(&id).await?,
            None => match Email::parse(name) {
                Ok(email) => self.store.account_by_email(&email).await?,
                Err(_) => None,
            },
        })
    }

    /// The account named by an id or an email.
    pub(crate) async fn find_account(&self, name: &str) -> Result<AccountRecord> {
        self.account_named(name)
            .await?
            .ok_or(Error::NotFound("account"))
    }

    /// Mints the tokens of a login whose password was checked against `account` as read
    /// then; an offline login's session is stored only if its `credential_generation`
    /// is still the account's (no password change came in between). A plain login's
    /// access token names the login era's status index, an offline login's its session's.
    async fn issue_account_tokens(
        &self,
        account: &AccountRecord,
        options: LoginOptions,
    ) -> Result<IssuedTokens> {
        let account_id = &account.id;
        let now = self.now();
        let scope = self.settings.policies.scopes.clone();
        let session = match options.offline_for {
            Some(app) => {
                let session = SessionRecord {
                    id: SessionId::generate()?,
                    account_id: account_id.clone(),
                    kind: Kind::AccountRefresh,
                    client_id: Some(app.as_str().to_owned()),
                    scope: scope.clone(),
                    created_at: now,
                    expires_at: None,
                    last_used_at: None,
                    generation: 0,
                    rotates: self.rotates(None),
                    rotated_at: None,
                    issued_access: None,
                    status_idx: Some(self.status_index().await?),
                };
                let guard = SessionGuard::CredentialGeneration(account.credential_generation);
                if !self.store.insert_session(&session, guard).await? {
                    return Err(Error::InvalidCredentials);
                }
                Some(session)
            }
            None => None,
        };
        let key = self.keys.signing_key();
        let mut tokens = self.mint_access(
            &key,
            AccessGrant {
                kind: Kind::AccountAccess,
                account_id,
                scope: &scope,
                expiration: options.expiration,
                client_id: None,
                session: session.as_ref().map(|s| &s.id),
                status_idx: match &session {
                    Some(session) => session.status_idx,
                    None => account.status_idx,
                },
                jkt: None,
            },
        )?;
        if let Some(session) = &session {
            tokens.refresh_token = Some(self.mint_refresh(&key, session, now, None)?);
        }
        Ok(tokens)
    }

    /// The caller's account.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidToken`] if the account no longer exists, or storage errors.
    pub async fn account(&self, who: &Principal) -> Result<AccountRecord> {
        self.store
            .account_by_id(&who.account_id)
            .await?
            .ok_or_else(|| Error::InvalidToken("the account no longer exists".into()))
    }

    /// Changes the caller's password. Every refresh token of the account ends, and so do
    /// its account access tokens issued before now; a fresh access token is returned so
    /// that the caller stays logged in.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidCredentials`] if `current` is wrong, [`Error::InvalidRequest`] if
    /// `new` is too short, too long or too easy to guess, or storage errors.
    pub async fn change_password(
        &self,
        who: &Principal,
        current: String,
        new: String,
    ) -> Result<IssuedTokens> {
        let new = Password::new(new)?;
        let account = self.account(who).await?;
        // The current password is guessed at as a login's would be: the same counters,
        // lockout and events (a stolen account token must not be a free password oracle).
        let subjects = Subject::login(LoginName::Account(&account.id), who.source);
        let audited = |kind| {
            Event::new(kind)
                .by(who)
                .detail("current password of a password change")
        };
        let current = Password::for_login(current);
        if !self
            .guarded_password_check(
                &subjects,
                &current,
                Some(&account.password_hash),
                who.source,
                audited,
            )
            .await?
        {
            return Err(Error::InvalidCredentials);
        }
        self.check_password_policy(&new, &[account.email.as_str(), account.id.as_str()])?;
        let hash = self.hasher.hash(&new, who.source).await?;
        self.store
            .change_password(&account.id, &hash, self.now())
            .await?;
        self.status_lists_changed().await;
        self.audit(Event::new(EventKind::PasswordChanged).by(who))
            .await;
        // The change moved the account to its next credential generation and login era.
        let account = self.account(who).await?;
        self.issue_account_tokens(&account, LoginOptions::default())
            .await
    }

    /// Checks `password` against `stored` (`None`: a name with no account, which costs
    /// the same and fails) under the lockout of `subjects`, auditing a refusal and a
    /// failure with the events `audited` makes.
    ///
    /// # Errors
    ///
    /// [`Error::TooManyAttempts`], [`Error::Busy`] if the hashing queue is full (the
    /// check then counts as not made), or storage and hashing errors.
    async fn guarded_password_check<'e>(
        &self,
        subjects: &[Subject<'_>],
        password: &Password,
        stored: Option<&str>,
        source: Option<IpAddr>,
        audited: impl Fn(EventKind) -> Event<'e>,
    ) -> Result<bool> {
        let check = match self.begin_password_check(subjects).await {
            Ok(check) => check,
            Err(locked) => {
                self.audit(audited(EventKind::LoginLocked)).await;
                return Err(locked);
            }
        };
        let verified = match self.hasher.verify(password, stored, source).await {
            Ok(verified) => verified,
            Err(err) => {
                self.end_password_check(check, CheckOutcome::Abandoned)
                    .await?;
                return Err(err);
            }
        };
        if verified {
            self.end_password_check(check, CheckOutcome::Succeeded)
                .await?;
        } else {
            self.end_password_check(check, CheckOutcome::Failed).await?;
            self.telemetry.login_failed();
            self.audit(audited(EventKind::LoginFailed)).await;
        }
        Ok(verified)
    }
}
