//! The New Connection dialog: URL, name, Cloud or Server/DC, login, secret and expiry,
//! validated with Jira before anything is stored.

use egui::{RichText, Ui};

use crate::core::connection::{
    AuthKind, CLOUD_TOKEN_PAGE, Deployment, Product, product_token_page, service_account_page,
};
use crate::core::draft::{
    NewConnection, SiteOptions, default_name, free_name, prepare, validate_secret,
};
use crate::core::error::Error;
use crate::core::jira::Account;
use crate::core::site_url::{SiteUrl, is_loopback_host};
use crate::ui::Command;
use crate::ui::backend::Submission;
use crate::ui::form::{
    Field, Pending, SecretForm, SecretInput, TokenFields, cancel_button, enter_submits, error_text,
    expiry_row, field_error, field_for, field_message, focus_at_start, form_label, label_row,
};
use crate::ui::widgets::{GAP, announce, button_row, palette, scroll_to_focus};

pub(crate) struct NewConnectionDialog {
    product: Product,
    url: String,
    name: String,
    name_touched: bool,
    /// The names saved connections have: the suggested name is none of them.
    taken: Vec<String>,
    cloud: bool,
    cloud_touched: bool,
    login: String,
    dc_auth: AuthKind,
    /// A service account's OAuth client credentials instead of the deployment's token.
    service_account: bool,
    secret: SecretInput,
    /// The new token's label and expiry.
    token: TokenFields,
    /// The user picked an expiry; until then it follows the Cloud box.
    expiry_touched: bool,
    ca_file: String,
    allow_http: bool,
    scoped: bool,
    try_scoped: bool,
    /// The site (as normalised) whose Cloud id was last asked for, and the answer.
    detected: Option<(String, Option<String>)>,
    pub pending: Option<Pending>,
    result: Option<Result<Account, (Field, String)>>,
    focus_first: bool,
    /// Why the typed expiry date is not a date, if it is not.
    expiry_invalid: Option<String>,
    /// The expiry a Data Center server reported for the token at the last Test; a save
    /// records it instead of the date typed.
    server_expiry: Option<jiff::civil::Date>,
    /// The dialog shows what the user typed before closing it; the secret is never kept.
    restored: bool,
}

impl Default for NewConnectionDialog {
    fn default() -> Self {
        NewConnectionDialog {
            product: Product::Jira,
            url: String::new(),
            name: String::new(),
            name_touched: false,
            taken: Vec::new(),
            cloud: false,
            cloud_touched: false,
            login: String::new(),
            dc_auth: AuthKind::Pat,
            service_account: false,
            secret: SecretInput::default(),
            token: TokenFields::suggested(false),
            expiry_touched: false,
            ca_file: String::new(),
            allow_http: false,
            scoped: false,
            try_scoped: false,
            detected: None,
            pending: None,
            result: None,
            focus_first: true,
            expiry_invalid: None,
            server_expiry: None,
            restored: false,
        }
    }
}

impl NewConnectionDialog {
    /// An empty dialog for `product` (Connection ▸ New Confluence Connection…).
    pub(crate) fn for_product(product: Product) -> Self {
        NewConnectionDialog {
            product,
            ..Default::default()
        }
    }
}

impl NewConnectionDialog {
    /// Suggests only names that none of `taken` has.
    pub(crate) fn with_taken(mut self, taken: Vec<String>) -> Self {
        self.set_taken(taken);
        self
    }

    /// The expiry date the user picked, if any.
    pub(crate) fn picked_expiry(&self) -> Option<jiff::civil::Date> {
        self.token.expires
    }

    /// The saved connections' names changed (read again from the file).
    pub(crate) fn set_taken(&mut self, taken: Vec<String>) {
        self.taken = taken;
    }
}

impl NewConnectionDialog {
    pub(crate) const TITLE: &'static str = "New Connection";

    pub(crate) fn product(&self) -> Product {
        self.product
    }

    /// True when the user typed something that closing the dialog would lose.
    pub(crate) fn has_input(&self) -> bool {
        !self.url.trim().is_empty()
            || (self.name_touched && !self.name.trim().is_empty())
            || !self.login.trim().is_empty()
            || !self.ca_file.trim().is_empty()
    }

    /// The dialog was closed with input in it: keep that input for the next time it opens,
    /// without the secret (wiped by [`SecretForm::forget`]) or a result of the last check.
    pub(crate) fn keep_as_draft(&mut self) {
        self.pending = None;
        self.result = None;
        self.focus_first = true;
        self.restored = true;
    }

    fn deployment(&self) -> Deployment {
        if self.cloud {
            Deployment::Cloud
        } else {
            Deployment::DataCenter
        }
    }

    fn auth(&self) -> AuthKind {
        if self.service_account {
            return AuthKind::ClientCredentials;
        }
        match self.deployment() {
            Deployment::Cloud => AuthKind::ApiToken,
            Deployment::DataCenter => self.dc_auth,
        }
    }

    fn secret_label(&self) -> &'static str {
        match self.auth() {
            AuthKind::ApiToken => "API token",
            AuthKind::Pat => "Personal access token",
            AuthKind::Password => "Password",
            AuthKind::ClientCredentials => "Client secret",
        }
    }

    /// The site as typed so far, if it parses (plain HTTP allowed, for prefilling only).
    fn site(&self) -> Option<SiteUrl> {
        SiteUrl::parse(&self.url, true).ok()
    }

    /// True when the URL is plain http:// to a host that is not this machine.
    fn insecure_remote(&self) -> bool {
        self.site()
            .is_some_and(|s| s.is_insecure() && !is_loopback_host(s.host()))
    }

    /// The Cloud id found for the site as typed, if any.
    fn detected_cloud_id(&self) -> Option<&str> {
        let site = self.site()?;
        match &self.detected {
            Some((url, Some(id))) if url == site.as_str() => Some(id),
            _ => None,
        }
    }

    /// Asks, once per address, whether a site on its own domain is Atlassian Cloud.
    fn detect_cloud(&mut self, commands: &mut Vec<Command>) {
        let Some(site) = self.site() else { return };
        let asked = self
            .detected
            .as_ref()
            .is_some_and(|(url, _)| url == site.as_str());
        if site.is_cloud_host() || asked {
            return;
        }
        self.detected = Some((site.to_string(), None));
        commands.push(Command::DetectCloud(site));
    }

    /// A site answered (or not) with its Cloud id.
    pub(crate) fn on_cloud_detected(&mut self, site: &str, cloud_id: Option<String>) {
        let Some((url, found)) = &mut self.detected else {
            return;
        };
        if url != site {
            return;
        }
        *found = cloud_id;
        if found.is_some() && !self.cloud_touched {
            self.cloud = true;
        }
    }

    fn on_url_changed(&mut self) {
        let site = self.site();
        if !self.name_touched {
            self.name = site
                .as_ref()
                .map(|s| free_name(&default_name(s, self.product), &self.taken))
                .unwrap_or_default();
        }
        if !self.cloud_touched {
            self.cloud = site.as_ref().is_some_and(SiteUrl::is_cloud_host);
        }
        self.result = None;
    }

    fn error_for(&self, field: Field) -> Option<&str> {
        match &self.result {
            Some(Err((f, msg))) if *f == field => Some(msg),
            _ => None,
        }
    }

    /// Builds the draft and the secret, or shows why it cannot.
    fn submit(&mut self, save: bool) -> Option<Command> {
        // The row shows why the typed date is not a date, under the field.
        if self.expiry_invalid.is_some() {
            return None;
        }
        let login = self.login.trim();
        let input = NewConnection {
            url: self.url.clone(),
            name: Some(self.name.clone()),
            deployment: Some(self.deployment()),
            auth: Some(self.auth()),
            login: (!login.is_empty()).then(|| login.to_string()),
            token_label: self
                .token
                .label()
                .filter(|_| self.auth() != AuthKind::Password),
            token_expires: self
                .token
                .expires
                .filter(|_| self.auth() != AuthKind::Password),
            options: SiteOptions {
                product: self.product,
                allow_http: self.allow_http,
                // Read by the backend, off the UI thread.
                ca_cert: None,
                scoped: self.cloud && self.scoped && !self.service_account,
                gateway_fallback: self.cloud
                    && !self.scoped
                    && self.try_scoped
                    && !self.service_account,
            },
        };
        let mut draft = match prepare(&input) {
            Ok(d) => d,
            Err(e) => {
                self.result = Some(Err((field_for(&e), error_text(&e))));
                return None;
            }
        };
        if self.cloud {
            draft.cloud_id = self.detected_cloud_id().map(str::to_string);
        }
        if let Err(e) = validate_secret(&self.secret.peek(), draft.auth) {
            self.result = Some(Err((Field::Secret, error_text(&e))));
            return None;
        }
        self.result = None;
        self.server_expiry = None;
        // Cloud sites use public certificates; only Server/DC has the CA field.
        let ca_file = Some(self.ca_file.trim())
            .filter(|path| !self.cloud && !path.is_empty())
            .map(std::path::PathBuf::from);
        // Saving takes the secret out of the field; testing leaves it there.
        let secret = if save {
            self.secret.take()
        } else {
            self.secret.peek()
        };
        let submission = Submission {
            draft,
            secret,
            ca_file,
        };
        Some(if save {
            Command::Save(submission)
        } else {
            Command::Test(submission)
        })
    }

    /// A validation finished; `Ok` holds the expiry the server reported for the token.
    pub(crate) fn on_tested(
        &mut self,
        result: Result<(Account, Option<jiff::civil::Date>), Error>,
    ) {
        self.pending = None;
        self.server_expiry = result.as_ref().ok().and_then(|(_, expires)| *expires);
        self.result = Some(
            result
                .map(|(account, _)| account)
                .map_err(|e| (field_for(&e), error_text(&e))),
        );
    }

    /// A save failed: show why, and give the secret back to the field.
    pub(crate) fn on_save_failed(&mut self, err: Error) {
        self.pending = None;
        self.secret.give_back();
        if !matches!(err, Error::Cancelled) {
            self.result = Some(Err((field_for(&err), error_text(&err))));
        }
    }

    pub fn ui(&mut self, ui: &mut Ui, commands: &mut Vec<Command>) {
        let focused = focus_at_start(ui);
        let busy = self.pending.is_some();
        let p = palette(ui);
        ui.heading(Self::TITLE);
        ui.label(
            RichText::new(
                "jira-connect checks the token with the site before it saves anything. \
                 The token goes to your OS keyring, the rest to connections.toml.",
            )
            .color(p.muted),
        );
        if self.restored {
            ui.label(
                RichText::new(
                    "This is what you typed before. The token was not kept: paste it again.",
                )
                .color(p.warn),
            );
        }
        ui.add_space(GAP);

        // The form scrolls when the window is too short for it; the status line and the
        // buttons under it stay in view.
        let reserved = 240.0;
        let max_height = (ui.ctx().content_rect().height() - reserved).max(120.0);
        egui::ScrollArea::vertical()
            .max_height(max_height)
            .auto_shrink([false, true])
            .show(ui, |ui| {
                self.form(ui, commands);
                scroll_to_focus(ui);
            });

        ui.add_space(GAP);
        self.status_line(ui);
        ui.add_space(GAP);
        self.buttons(ui, commands);

        if !busy && enter_submits(ui, focused, &[]) {
            commands.extend(self.submit(true));
        }
    }

    fn form(&mut self, ui: &mut Ui, commands: &mut Vec<Command>) {
        let busy = self.pending.is_some();
        let p = palette(ui);
        let field_width = 300.0;
        let product = self.product.title();
        egui::Grid::new("new-connection-form")
            .num_columns(2)
            .spacing([GAP * 1.5, GAP])
            .show(ui, |ui| {
                form_label(ui, "Product");
                ui.add_enabled_ui(!busy, |ui| {
                    ui.horizontal(|ui| {
                        let before = self.product;
                        ui.radio_value(&mut self.product, Product::Jira, "Jira");
                        ui.radio_value(&mut self.product, Product::Confluence, "Confluence");
                        if self.product != before {
                            self.on_url_changed();
                        }
                    });
                });
                ui.end_row();

                let id = form_label(ui, &format!("{product} URL"));
                let resp = ui
                    .add_enabled(
                        !busy,
                        egui::TextEdit::singleline(&mut self.url)
                            .hint_text("acme.atlassian.net")
                            .desired_width(field_width),
                    )
                    .labelled_by(id);
                if self.focus_first {
                    resp.request_focus();
                    self.focus_first = false;
                }
                if resp.changed() {
                    self.on_url_changed();
                }
                if resp.lost_focus() {
                    self.detect_cloud(commands);
                }
                ui.end_row();
                if let Some(msg) = self.error_for(Field::Url) {
                    field_error(ui, &resp, msg);
                }
                if self.insecure_remote() {
                    ui.label("");
                    ui.add_enabled(
                        !busy,
                        egui::Checkbox::new(
                            &mut self.allow_http,
                            RichText::new("Allow plain http://: the token travels unencrypted")
                                .color(p.warn),
                        ),
                    );
                    ui.end_row();
                }

                let id = form_label(ui, "Name");
                let resp = ui
                    .add_enabled(
                        !busy,
                        egui::TextEdit::singleline(&mut self.name)
                            .hint_text("acme")
                            .desired_width(field_width),
                    )
                    .labelled_by(id);
                if resp.changed() {
                    self.name_touched = true;
                }
                ui.end_row();
                if let Some(msg) = self.error_for(Field::Name) {
                    field_error(ui, &resp, msg);
                }

                ui.label("");
                let cloud_label = format!("{product} Cloud");
                if ui
                    .add_enabled(!busy, egui::Checkbox::new(&mut self.cloud, cloud_label))
                    .changed()
                {
                    self.cloud_touched = true;
                    self.result = None;
                }
                ui.end_row();
                if self.detected_cloud_id().is_some() {
                    field_message(
                        ui,
                        "This site is Atlassian Cloud on its own domain.",
                        p.muted,
                    );
                }

                let (login_label, login_hint) = match self.auth() {
                    AuthKind::ApiToken => ("Email", "you@example.com"),
                    AuthKind::Password => ("Username", "your username"),
                    AuthKind::Pat => ("Username", "optional: filled in from the site"),
                    AuthKind::ClientCredentials => (
                        "Client ID",
                        "from the service account's OAuth 2.0 credential",
                    ),
                };
                let id = form_label(ui, login_label);
                let resp = ui
                    .add_enabled(
                        !busy,
                        egui::TextEdit::singleline(&mut self.login)
                            .hint_text(login_hint)
                            .desired_width(field_width),
                    )
                    .labelled_by(id);
                ui.end_row();
                if let Some(msg) = self.error_for(Field::Login) {
                    field_error(ui, &resp, msg);
                }

                form_label(ui, "Sign in with");
                ui.add_enabled_ui(!busy, |ui| {
                    ui.horizontal_wrapped(|ui| {
                        let before = (self.service_account, self.dc_auth);
                        if self.cloud {
                            ui.radio_value(&mut self.service_account, false, "API token");
                        } else {
                            for (auth, text) in [
                                (AuthKind::Pat, "Personal access token"),
                                (AuthKind::Password, "Password"),
                            ] {
                                let on = !self.service_account && self.dc_auth == auth;
                                if ui.radio(on, text).clicked() {
                                    self.service_account = false;
                                    self.dc_auth = auth;
                                }
                            }
                        }
                        ui.radio_value(
                            &mut self.service_account,
                            true,
                            "Service account (OAuth client credentials)",
                        );
                        if (self.service_account, self.dc_auth) != before {
                            self.result = None;
                        }
                    });
                });
                ui.end_row();

                let id = form_label(ui, self.secret_label());
                let resp = ui
                    .add_enabled_ui(!busy, |ui| self.secret.ui(ui, id, field_width))
                    .inner;
                ui.end_row();
                if let Some(msg) = self.error_for(Field::Secret) {
                    field_error(ui, &resp, msg);
                }
                if self.auth() != AuthKind::Password {
                    label_row(ui, !busy, &mut self.token.label, field_width);
                }
                self.token_link(ui, commands);
                if self.cloud && !self.service_account {
                    ui.label("");
                    ui.add_enabled(
                        !busy,
                        egui::Checkbox::new(&mut self.scoped, "Scoped token (created with scopes)"),
                    )
                    .on_hover_text(
                        "Atlassian accepts tokens with scopes only through api.atlassian.com; \
                         jira-connect checks and uses it there",
                    );
                    ui.end_row();
                    if !self.scoped {
                        ui.label("");
                        ui.add_enabled(
                            !busy,
                            egui::Checkbox::new(
                                &mut self.try_scoped,
                                "If the site refuses it, try it as a scoped token",
                            ),
                        )
                        .on_hover_text("This sends the email and token to api.atlassian.com too");
                        ui.end_row();
                    }
                }

                if self.auth() != AuthKind::Password {
                    if !self.expiry_touched {
                        self.token.expires = TokenFields::suggested(self.cloud).expires;
                    }
                    let before = self.token.expires;
                    let error = self.error_for(Field::Expires).map(str::to_string);
                    self.expiry_invalid = expiry_row(
                        ui,
                        !busy,
                        &mut self.token.expires,
                        self.cloud,
                        error.as_deref(),
                    );
                    self.expiry_touched |= self.token.expires != before;
                    let note = server_expiry_note(self.token.expires, self.server_expiry);
                    if let Some(note) = note.filter(|_| self.expiry_invalid.is_none()) {
                        // Said next to the field, before the save replaces the date.
                        field_message(ui, &note, p.warn);
                    } else if error.is_none() && self.expiry_invalid.is_none() {
                        field_message(
                            ui,
                            "Atlassian shows it when you create the token; jira-connect warns \
                             14 days before.",
                            p.muted,
                        );
                    }
                } else {
                    self.expiry_invalid = None;
                }
                if !self.cloud {
                    let id = form_label(ui, "CA certificate");
                    let resp = ui
                        .add_enabled(
                            !busy,
                            egui::TextEdit::singleline(&mut self.ca_file)
                                .hint_text("optional: your company CA, a PEM file")
                                .desired_width(field_width),
                        )
                        .labelled_by(id);
                    ui.end_row();
                    if let Some(msg) = self.error_for(Field::Ca) {
                        field_error(ui, &resp, msg);
                    }
                }
            });
    }

    fn token_link(&self, ui: &mut Ui, commands: &mut Vec<Command>) {
        let (text, url) = match self.auth() {
            AuthKind::ApiToken => ("Get an API token", Some(CLOUD_TOKEN_PAGE.to_string())),
            AuthKind::Pat => (
                "Create a personal access token",
                self.site()
                    .map(|s| product_token_page(self.product, Deployment::DataCenter, s.as_str())),
            ),
            AuthKind::ClientCredentials => match self.deployment() {
                Deployment::Cloud => (
                    "Create OAuth 2.0 credentials (Directory \u{25B8} Service accounts)",
                    Some(service_account_page(Deployment::Cloud, "")),
                ),
                Deployment::DataCenter => (
                    "Create a service account in the site's administration",
                    self.site()
                        .map(|s| service_account_page(Deployment::DataCenter, s.as_str())),
                ),
            },
            AuthKind::Password => return,
        };
        ui.label("");
        let enabled = url.is_some();
        let resp = ui
            .add_enabled(enabled, egui::Link::new(text))
            .on_hover_text(url.as_deref().unwrap_or("Enter the site's URL first"));
        if resp.clicked()
            && let Some(url) = url
        {
            commands.push(Command::OpenUrl(url));
        }
        ui.end_row();
    }

    fn status_line(&self, ui: &mut Ui) {
        let p = palette(ui);
        ui.horizontal(|ui| {
            ui.set_min_height(ui.spacing().interact_size.y);
            match (&self.pending, &self.result) {
                (Some(pending), _) => {
                    ui.spinner();
                    let product = self.product.title();
                    ui.label(if pending.saving {
                        format!("Checking with {product}, then saving…")
                    } else {
                        format!("Checking with {product}…")
                    });
                }
                (None, Some(Ok(account))) => {
                    let version = account
                        .server_version
                        .as_deref()
                        .map(|v| format!(" · {} {v}", self.product.full_name(self.deployment())))
                        .unwrap_or_default();
                    let via = match (self.service_account, account.scoped) {
                        (true, _) => " · service account",
                        (false, true) => " · through api.atlassian.com",
                        (false, false) => "",
                    };
                    let shown = ui.label(
                        RichText::new(format!(
                            "Connected as {}{version}{via}",
                            account.display_name
                        ))
                        .color(p.ok)
                        .strong(),
                    );
                    announce(ui, &shown, false);
                }
                (None, Some(Err((Field::General, msg)))) => {
                    let shown = ui.add(egui::Label::new(RichText::new(msg).color(p.bad)).wrap());
                    announce(ui, &shown, true);
                }
                _ => {}
            }
        });
    }

    fn buttons(&mut self, ui: &mut Ui, commands: &mut Vec<Command>) {
        let busy = self.pending.is_some();
        button_row(ui, |ui| {
            cancel_button(ui, busy, commands);
            if ui
                .add_enabled(!busy, egui::Button::new("Test"))
                .on_hover_text(format!(
                    "Check with {} without saving",
                    self.product.title()
                ))
                .clicked()
            {
                commands.extend(self.submit(false));
            }
            if ui
                .add_enabled(!busy, egui::Button::new(RichText::new("Save").strong()))
                .on_hover_text(format!(
                    "Check with {}, then store (Enter)",
                    self.product.title()
                ))
                .clicked()
            {
                commands.extend(self.submit(true));
            }
        });
    }
}

impl SecretForm for NewConnectionDialog {
    fn pending_and_secret(&mut self) -> (&mut Option<Pending>, &mut SecretInput) {
        (&mut self.pending, &mut self.secret)
    }
}

/// On Data Center the server reports a token's real expiry, which replaces the date the user
/// picked: say so, next to the field after a Test and in the result after a save, rather
/// than change it silently.
pub(crate) fn server_expiry_note(
    picked: Option<jiff::civil::Date>,
    saved: Option<jiff::civil::Date>,
) -> Option<String> {
    match (picked, saved) {
        (Some(picked), Some(saved)) if picked != saved => Some(format!(
            "Jira says this token expires {saved}, not {picked} as picked: {saved} is recorded"
        )),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_replaced_expiry_is_told() {
        let picked = jiff::civil::date(2027, 1, 1);
        let server = jiff::civil::date(2026, 12, 24);
        assert_eq!(
            server_expiry_note(Some(picked), Some(server)).as_deref(),
            Some(
                "Jira says this token expires 2026-12-24, not 2027-01-01 as picked: 2026-12-24 is recorded"
            )
        );
        assert_eq!(server_expiry_note(Some(picked), Some(picked)), None);
        assert_eq!(server_expiry_note(None, Some(server)), None);
    }
}
