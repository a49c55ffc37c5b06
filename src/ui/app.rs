//! The main window. Drawing is a pure function of the state: views push [`Command`]s, which
//! the app applies after the frame is drawn; IO goes to the [`Backend`], whose results come
//! back as events at the start of the next frame.

use std::sync::Arc;
use std::sync::mpsc::Receiver;
use std::time::Duration;

use egui::{RichText, Ui};
use jiff::civil::Date;
use secrecy::{ExposeSecret, SecretString};
use tokio::runtime::Handle;

use crate::core::config::ConfigFile;
use crate::core::connection::{Connection, ConnectionId, Product, today};
use crate::core::import::{Sources, TokenSource};
use crate::core::jira::pat::PatInfo;
use crate::core::reminders::KeyringBlock;
use crate::core::service::{Connections, NewToken, RotateOptions};
use crate::core::site_url::SiteUrl;
use crate::ui::backend::{
    Backend, ClipboardReader, ClipboardWriter, Event, Opener, Scheduler, Submission,
};
use crate::ui::caret::CaretBlink;
use crate::ui::first_frame::FirstFrame;
use crate::ui::form::{Pending, SecretForm, error_text};
use crate::ui::import_card::{ImportOffer, import_card};
use crate::ui::netrc::NetrcDialog;
use crate::ui::new_connection::{NewConnectionDialog, server_expiry_note};
use crate::ui::pick_token::PickTokenDialog;
use crate::ui::remove::RemoveDialog;
use crate::ui::replace_token::ReplaceTokenDialog;
use crate::ui::rotate::RotateDialog;
use crate::ui::single_instance::Request;
use crate::ui::style::setup_style;
use crate::ui::widgets::{self, GAP, palette};
use crate::ui::{about, connection_list, details, diagnostics, fonts, menu, window_state};

/// Something the user asked for, applied after the frame is drawn.
pub enum Command {
    NewConnection,
    /// New Connection with Confluence chosen as the product.
    NewConfluenceConnection,
    /// Help ▸ About.
    About,
    CloseAbout,
    /// Help ▸ Diagnostics: open it and run the checks.
    Diagnostics,
    /// Run the checks again.
    RunDiagnostics,
    /// The report was copied.
    DiagnosticsCopied,
    CloseDiagnostics,
    Select(ConnectionId),
    Check(ConnectionId),
    CheckAll,
    ReplaceToken(ConnectionId),
    /// Open the token picker: which of the account's tokens on the server this one is.
    PickToken(ConnectionId),
    /// Record the token picked from the server's list.
    RecordToken {
        id: ConnectionId,
        token: PatInfo,
    },
    /// Open the Rotate token dialog (a personal access token on Server/Data Center).
    RotateToken(ConnectionId),
    /// Rotate the token: create, check, swap, revoke the old one; with the account's
    /// password when the server wants it.
    RunRotate {
        id: ConnectionId,
        options: RotateOptions,
        password: Option<SecretString>,
    },
    ConfirmRemove(ConnectionId),
    CopyToken(ConnectionId),
    OpenUrl(String),
    /// Validate a new connection with Jira and save nothing.
    Test(Submission),
    /// Validate a new connection, then save it.
    Save(Submission),
    Replace {
        id: ConnectionId,
        new: NewToken,
    },
    Remove(ConnectionId),
    CancelPending,
    CloseDialog,
    SetCheckOnLaunch(bool),
    /// Switch the reminders that run with the window closed.
    SetReminders(bool),
    /// Ask a site on its own domain whether it is Atlassian Cloud.
    DetectCloud(SiteUrl),
    /// Connect Confluence with this Jira Cloud connection's token.
    LinkConfluence(ConnectionId),
    ImportJiraCli,
    DismissImport,
    RemoveNetrc(crate::core::netrc::EntryRef),
    Quit,
}

/// A saved connection as the list shows it.
pub struct Row {
    source: RowSource,
    pub checking: bool,
}

/// Where a row's connection is held. The rows share the config the backend read, so a
/// thousand connections are held once in the app, not once more per row.
enum RowSource {
    /// At `index` in the config as last read.
    Config(Arc<ConfigFile>, usize),
    /// A newer copy the backend sent (a check's result, a save), until the file is read
    /// again.
    Newer(Box<Connection>),
}

impl Row {
    /// The connection as the config file holds it, or as the backend last sent it.
    pub fn connection(&self) -> &Connection {
        match &self.source {
            RowSource::Config(config, index) => &config.connections[*index],
            RowSource::Newer(connection) => connection,
        }
    }

    fn set_connection(&mut self, connection: Connection) {
        self.source = RowSource::Newer(Box::new(connection));
    }
}

/// The one dialog that can be open at a time.
pub(crate) enum Dialog {
    New(Box<NewConnectionDialog>),
    Replace(Box<ReplaceTokenDialog>),
    Remove(Box<RemoveDialog>),
    Rotate(Box<RotateDialog>),
    PickToken(Box<PickTokenDialog>),
    Netrc(Box<NetrcDialog>),
}

impl Dialog {
    /// The dialog's title: its heading, and its name to assistive technology.
    fn title(&self) -> String {
        match self {
            Dialog::New(_) => NewConnectionDialog::TITLE.to_string(),
            Dialog::Replace(d) => d.title(),
            Dialog::Remove(d) => d.title(),
            Dialog::Rotate(d) => d.title(),
            Dialog::PickToken(d) => d.title(),
            Dialog::Netrc(_) => NetrcDialog::TITLE.to_string(),
        }
    }

    fn forget(&mut self, ctx: &egui::Context) {
        match self {
            Dialog::New(d) => d.forget(ctx),
            Dialog::Replace(d) => d.forget(ctx),
            Dialog::Rotate(d) => d.forget(ctx),
            Dialog::Remove(_) | Dialog::Netrc(_) | Dialog::PickToken(_) => {}
        }
    }
}

struct Notice {
    text: String,
    /// When the notice goes away by itself; `None` keeps it until dismissed.
    until: Option<f64>,
    outcome: Outcome,
    /// An address the user can copy, shown when no browser could open it.
    link: Option<String>,
    /// The box with the address takes the focus when it appears; this is where the focus
    /// was, to give it back when the box goes.
    focus: Option<Option<egui::Id>>,
}

/// How something the user asked for turned out, as a notice shows it: green for done, orange
/// for done with something left to do, red for failed. Only a plain success goes away by
/// itself; the others stay until dismissed, so that they can be read and copied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Done,
    /// Done, with something the user still has to do.
    ToDo,
    Failed,
}

/// The widest a notice gets, so that a long message wraps into lines a reader can follow.
const NOTICE_WIDTH: f32 = 560.0;

/// How long a copied token stays on the clipboard.
pub(crate) const CLIPBOARD_CLEAR_AFTER: Duration = Duration::from_secs(30);

pub struct App {
    backend: Backend,
    events: Receiver<Event>,
    rows: Vec<Row>,
    loaded: bool,
    load_error: Option<String>,
    selected: Option<ConnectionId>,
    dialog: Option<Dialog>,
    notice: Option<Notice>,
    /// How many times a token was copied; a clear is for the latest copy only.
    copies: u64,
    /// The latest copied token, until the clipboard was cleared of it or found holding
    /// something else: cleared on exit if the clipboard still holds it.
    uncleared: Option<SecretString>,
    clipboard_clear_after: Duration,
    check_on_launch: bool,
    launch_checks_done: bool,
    today: Date,
    next_request: u64,
    /// The Jira connection whose Confluence link is being set up.
    linking: Option<ConnectionId>,
    import_offer: Option<ImportOffer>,
    /// Where to look for jira-cli's connection; read from the environment on first use.
    import_sources: Option<Sources>,
    first_frame: FirstFrame,
    caret: CaretBlink,
    /// Whether reminders are on; `None` until known.
    reminders: Option<bool>,
    /// True while reminders are being switched.
    reminders_pending: bool,
    scheduler: Option<Scheduler>,
    /// The connection to select once the config is loaded (`gui --select NAME`).
    select_name: Option<String>,
    /// The connection selected when the app last closed; `--select` wins over it.
    remembered: Option<ConnectionId>,
    /// True while Help ▸ About is shown.
    about: bool,
    /// Help ▸ Diagnostics, while it is shown.
    diagnostics: Option<diagnostics::Diagnostics>,
    /// What later launches ask for (see [`crate::ui::single_instance`]).
    requests: Option<Receiver<Request>>,
    /// The control that had the focus when the open dialog was opened; it gets it back
    /// when the dialog closes.
    opener: Option<egui::Id>,
    /// What the user typed in New Connection before closing it, shown when it opens again.
    new_draft: Option<Box<NewConnectionDialog>>,
    /// The control to give the focus back to once the dialog that covered it is gone.
    focus_back: Option<egui::Id>,
    /// The system's fonts, behind the bundled ones.
    fonts: Arc<fonts::SystemFallback>,
    /// The theme the user picked, remembered across launches; `None` until the user picks
    /// one, and while one is set for this run only (`JIRA_CONNECT_THEME`).
    theme: Option<egui::ThemePreference>,
    /// The theme to switch to at the first frame.
    theme_to_apply: Option<egui::ThemePreference>,
}

impl App {
    pub fn new(
        cc: &eframe::CreationContext<'_>,
        runtime: Handle,
        svc: Arc<Connections>,
        opener: Opener,
    ) -> Self {
        setup_style(&cc.egui_ctx);
        let fonts = fonts::install(&cc.egui_ctx);
        let theme = window_state::theme(cc.storage);
        let (backend, events) = Backend::new(runtime, svc, cc.egui_ctx.clone(), opener);
        backend.load();
        backend.watch_config();
        App {
            backend,
            events,
            rows: Vec::new(),
            loaded: false,
            load_error: None,
            selected: None,
            dialog: None,
            notice: None,
            copies: 0,
            uncleared: None,
            clipboard_clear_after: CLIPBOARD_CLEAR_AFTER,
            check_on_launch: true,
            launch_checks_done: false,
            today: today(),
            next_request: 0,
            linking: None,
            import_offer: None,
            import_sources: None,
            first_frame: FirstFrame::from_env(),
            caret: CaretBlink::default(),
            reminders: None,
            reminders_pending: false,
            scheduler: None,
            select_name: None,
            remembered: window_state::selected(cc.storage),
            about: false,
            diagnostics: None,
            requests: None,
            opener: None,
            new_draft: None,
            focus_back: None,
            fonts,
            theme,
            theme_to_apply: theme,
        }
    }

    /// Uses `theme` for this run only (`JIRA_CONNECT_THEME`): it is not remembered, and what
    /// the user picked before stays remembered.
    pub fn with_theme_for_this_run(mut self, theme: egui::ThemePreference) -> Self {
        self.theme_to_apply = Some(theme);
        self.theme = None;
        self
    }

    /// True once a character the bundled fonts lack made the app list the system's fonts.
    pub fn system_fonts_listed(&self) -> bool {
        self.fonts.listed()
    }

    /// Takes what later launches ask for from `requests`: show the window, maybe select a
    /// connection.
    pub fn with_requests(mut self, requests: Receiver<Request>) -> Self {
        self.requests = Some(requests);
        self
    }

    /// A later launch asked for the window: bring it forward, open New Connection if asked
    /// and no dialog is open, and select what it named.
    fn on_request(&mut self, request: Request, ctx: &egui::Context) {
        ctx.send_viewport_cmd(egui::ViewportCommand::Minimized(false));
        ctx.send_viewport_cmd(egui::ViewportCommand::Focus);
        if request.new_connection {
            self.apply(Command::NewConnection, ctx);
        }
        let Some(name) = request.select else { return };
        if !self.loaded {
            self.select_name = Some(name);
            return;
        }
        match self.rows.iter().find(|r| r.connection().name == name) {
            Some(row) => self.selected = Some(row.connection().id.clone()),
            None => self.notify(ctx, format!("No connection named {name:?}"), true),
        }
    }

    /// The selected connection's id.
    pub fn selected_id(&self) -> Option<&ConnectionId> {
        self.selected.as_ref()
    }

    /// True while Help ▸ About is shown.
    pub fn about_open(&self) -> bool {
        self.about
    }

    /// True while Help ▸ Diagnostics is shown.
    pub fn diagnostics_open(&self) -> bool {
        self.diagnostics.is_some()
    }

    /// The Diagnostics window's report, once its checks have run.
    pub fn diagnostics_report(&self) -> Option<&crate::core::service::DoctorReport> {
        self.diagnostics
            .as_ref()
            .and_then(|d| d.report.as_ref())
            .and_then(|r| r.as_ref().ok())
    }

    /// Selects the connection with this name once the config is loaded.
    pub fn with_selection(mut self, name: Option<String>) -> Self {
        self.select_name = name;
        self
    }

    /// Opens with the New Connection dialog showing (`gui --new`).
    pub fn with_new_connection(mut self, open: bool) -> Self {
        if open {
            self.dialog = Some(Dialog::New(Box::default()));
        }
        self
    }

    /// Switches reminders with `scheduler` instead of the system's scheduler.
    pub fn with_scheduler(mut self, scheduler: Scheduler) -> Self {
        self.scheduler = Some(scheduler);
        self
    }

    fn scheduler(&mut self) -> Scheduler {
        self.scheduler
            .get_or_insert_with(crate::ui::backend::system_scheduler)
            .clone()
    }

    /// Whether reminders are on, once known.
    pub fn reminders_on(&self) -> Option<bool> {
        self.reminders
    }

    /// The selected connection's name.
    pub fn selected_name(&self) -> Option<&str> {
        let id = self.selected.as_ref()?;
        self.row(id).map(|r| r.connection().name.as_str())
    }

    /// Looks for jira-cli's connection in `sources` instead of jira-cli's own places.
    pub fn with_import_sources(mut self, sources: Sources) -> Self {
        self.import_sources = Some(sources);
        self
    }

    /// Reads the clipboard with `reader` and writes it with `writer` instead of the OS
    /// clipboard, and clears a copied token after `clear_after` instead of
    /// [`CLIPBOARD_CLEAR_AFTER`].
    pub fn with_clipboard(
        mut self,
        reader: ClipboardReader,
        writer: ClipboardWriter,
        clear_after: Duration,
    ) -> Self {
        self.backend.set_clipboard(reader, writer);
        self.clipboard_clear_after = clear_after;
        self
    }

    fn import_sources(&mut self) -> Sources {
        self.import_sources
            .get_or_insert_with(Sources::from_env)
            .clone()
    }

    /// True while jira-cli's connection is offered for import.
    pub fn import_offered(&self) -> bool {
        self.import_offer.is_some()
    }

    /// Reads the config file again, e.g. after the CLI changed it.
    pub fn reload(&mut self) {
        self.backend.load();
    }

    /// The connections as shown, for tests and diagnostics.
    pub fn rows(&self) -> &[Row] {
        &self.rows
    }

    /// True once the config file has been read.
    pub fn is_loaded(&self) -> bool {
        self.loaded
    }

    /// True while any dialog is open.
    pub fn dialog_open(&self) -> bool {
        self.dialog.is_some()
    }

    /// True while a check, a validation or a removal is running.
    pub fn is_busy(&self) -> bool {
        self.rows.iter().any(|r| r.checking)
            || match &self.dialog {
                Some(Dialog::New(d)) => d.pending.is_some(),
                Some(Dialog::Replace(d)) => d.pending.is_some(),
                Some(Dialog::Rotate(d)) => d.pending.is_some(),
                Some(Dialog::Remove(d)) => d.pending,
                Some(Dialog::Netrc(d)) => d.pending,
                Some(Dialog::PickToken(d)) => d.tokens.is_none(),
                None => false,
            }
            || self.linking.is_some()
            || self.import_offer.as_ref().is_some_and(|o| o.importing)
    }

    /// The notice currently shown, if any.
    pub fn notice(&self) -> Option<&str> {
        self.notice.as_ref().map(|n| n.text.as_str())
    }

    /// How the thing the notice reports turned out.
    pub fn notice_outcome(&self) -> Option<Outcome> {
        self.notice.as_ref().map(|n| n.outcome)
    }

    /// Shows a connection just saved; a reload may have listed it already.
    fn upsert(&mut self, connection: Connection) {
        match self
            .rows
            .iter_mut()
            .find(|r| r.connection().id == connection.id)
        {
            Some(row) => row.set_connection(connection),
            None => self.rows.push(Row {
                source: RowSource::Newer(Box::new(connection)),
                checking: false,
            }),
        }
    }

    /// The names in use, so that a new connection's suggested name is free.
    fn names(&self) -> Vec<String> {
        self.rows
            .iter()
            .map(|r| r.connection().name.clone())
            .collect()
    }

    fn row(&self, id: &ConnectionId) -> Option<&Row> {
        self.rows.iter().find(|r| &r.connection().id == id)
    }

    fn row_mut(&mut self, id: &ConnectionId) -> Option<&mut Row> {
        self.rows.iter_mut().find(|r| &r.connection().id == id)
    }

    /// Shows `connection` as saved in its row, if it is listed; returns the row.
    fn update_row(&mut self, connection: Connection) -> Option<&mut Row> {
        let row = self.row_mut(&connection.id)?;
        row.set_connection(connection);
        Some(row)
    }

    /// The listed connections that share `connection`'s token.
    fn sharing<'a>(&'a self, connection: &'a Connection) -> impl Iterator<Item = &'a Connection> {
        self.rows
            .iter()
            .map(|r| r.connection())
            .filter(|c| connection.shares_token_with(c))
    }

    /// The names of the listed connections that share `connection`'s token.
    fn sharing_names(&self, connection: &Connection) -> Vec<String> {
        self.sharing(connection).map(|c| c.name.clone()).collect()
    }

    fn notify(&mut self, ctx: &egui::Context, text: impl Into<String>, error: bool) {
        let outcome = if error {
            Outcome::Failed
        } else {
            Outcome::Done
        };
        self.tell(ctx, text, outcome);
    }

    fn tell(&mut self, ctx: &egui::Context, text: impl Into<String>, outcome: Outcome) {
        let text = text.into();
        let now = ctx.input(|i| i.time);
        // A success goes by itself, after time enough to read it.
        let until = (outcome == Outcome::Done)
            .then(|| now + (4.0 + text.chars().count() as f64 / 25.0).min(12.0));
        self.notice = Some(Notice {
            text,
            until,
            outcome,
            link: None,
            focus: None,
        });
    }

    /// No browser could open `url`: show it, with a Copy button, until the user dismisses it.
    /// Why each launcher failed is in the log; the user needs the address.
    fn offer_link(&mut self, url: String) {
        self.notice = Some(Notice {
            text: "No web browser could be opened. Open this page yourself:".into(),
            until: None,
            outcome: Outcome::Failed,
            link: Some(url),
            focus: None,
        });
    }

    /// The address in the notice, when a link could not be opened.
    pub fn notice_link(&self) -> Option<&str> {
        self.notice.as_ref().and_then(|n| n.link.as_deref())
    }

    /// Sends the New Connection dialog's input to be validated, and saved too when
    /// `saving`; the dialog waits for it and may cancel it.
    fn submit(&mut self, submission: Submission, saving: bool) {
        let request = self.request();
        let cancel = if saving {
            self.backend.save(request, submission)
        } else {
            self.backend.test(request, submission)
        };
        if let Some(Dialog::New(d)) = &mut self.dialog {
            d.pending = Some(Pending {
                request,
                saving,
                cancel,
            });
        }
    }

    fn request(&mut self) -> u64 {
        self.next_request += 1;
        self.next_request
    }

    /// Closes the dialog and gives the focus back to the control that opened it. What the
    /// user typed in New Connection is kept for the next time it opens, without the secret.
    fn close_dialog(&mut self, ctx: &egui::Context) {
        if let Some(mut dialog) = self.dialog.take() {
            dialog.forget(ctx);
            if let Dialog::New(mut d) = dialog
                && d.has_input()
            {
                d.keep_as_draft();
                self.new_draft = Some(d);
            }
        }
        self.focus_back = self.opener.take();
    }

    /// New Connection for `product`: the draft the user left, if it is for that product.
    fn new_connection_dialog(&mut self, product: Product) -> Box<NewConnectionDialog> {
        let taken = self.names();
        match self.new_draft.take() {
            Some(mut draft) if draft.product() == product => {
                draft.set_taken(taken);
                draft
            }
            _ => Box::new(NewConnectionDialog::for_product(product).with_taken(taken)),
        }
    }

    /// Esc closes the innermost thing open: the box with a link, else the dialog. A dialog's
    /// own popups (the calendar) take their Esc before this runs.
    fn escape(&mut self, ui: &mut Ui, commands: &mut Vec<Command>) {
        if self.dialog.is_some()
            && ui.input_mut(|i| i.consume_key(egui::Modifiers::NONE, egui::Key::Escape))
        {
            commands.push(Command::CloseDialog);
        }
    }

    /// Runs `doctor` on the backend, unless it is running already.
    fn run_diagnostics(&mut self) {
        if let Some(d) = &mut self.diagnostics
            && !d.running
        {
            d.running = true;
            d.report = None;
            d.copied = false;
            self.backend.doctor();
        }
    }

    fn check(&mut self, id: &ConnectionId) {
        let Some(row) = self.row_mut(id).filter(|r| !r.checking) else {
            return;
        };
        row.checking = true;
        let connection = row.connection().clone();
        self.backend.check(connection);
    }

    fn check_all(&mut self) {
        let mut batch = Vec::new();
        for row in self.rows.iter_mut().filter(|r| !r.checking) {
            row.checking = true;
            batch.push(row.connection().clone());
        }
        if !batch.is_empty() {
            self.backend.check_many(batch);
        }
    }

    fn handle(&mut self, event: Event, ctx: &egui::Context) {
        match event {
            Event::Loaded(Ok(config)) => {
                self.loaded = true;
                self.load_error = None;
                self.check_on_launch = config.check_on_launch;
                // Read again after a change from outside (the CLI): checks in flight go on.
                let checking: Vec<ConnectionId> = self
                    .rows
                    .iter()
                    .filter(|r| r.checking)
                    .map(|r| r.connection().id.clone())
                    .collect();
                self.rows = (0..config.connections.len())
                    .map(|index| Row {
                        checking: checking.contains(&config.connections[index].id),
                        source: RowSource::Config(config.clone(), index),
                    })
                    .collect();
                if self
                    .selected
                    .as_ref()
                    .is_some_and(|id| self.row(id).is_none())
                {
                    self.selected = None;
                }
                let names = self.names();
                if let Some(Dialog::New(d)) = &mut self.dialog {
                    d.set_taken(names);
                }
                if let Some(name) = self.select_name.take() {
                    match self.rows.iter().find(|r| r.connection().name == name) {
                        Some(row) => self.selected = Some(row.connection().id.clone()),
                        None => self.notify(ctx, format!("No connection named {name:?}"), true),
                    }
                }
                if self.selected.is_none()
                    && let Some(id) = self.remembered.take()
                    && self.row(&id).is_some()
                {
                    self.selected = Some(id);
                }
                if self.selected.is_none() {
                    self.selected = self.rows.first().map(|r| r.connection().id.clone());
                }
                if !self.launch_checks_done {
                    self.launch_checks_done = true;
                    let scheduler = self.scheduler();
                    self.backend.reminders(scheduler, None);
                    if self.check_on_launch {
                        self.check_all();
                    }
                    // A first launch: offer what jira-cli already knows.
                    if self.rows.is_empty() {
                        let sources = self.import_sources();
                        self.backend.discover_jira_cli(sources);
                    }
                }
            }
            Event::Loaded(Err(e)) => {
                self.loaded = true;
                self.load_error = Some(error_text(&e));
            }
            Event::Checked(report) => {
                // A locked or missing keyring stops every check alike and records nothing:
                // one notice says so, and each row keeps its last result.
                if let Err(err) = &report.result
                    && KeyringBlock::of(err).is_some()
                {
                    let text = format!("Nothing was checked. {}", error_text(err));
                    self.tell(ctx, text, Outcome::Failed);
                }
                if let Some(row) = self.update_row(report.connection) {
                    row.checking = false;
                }
            }
            Event::Tested { request, result } => {
                if let Some(Dialog::New(d)) = &mut self.dialog
                    && d.pending.as_ref().is_some_and(|p| p.request == request)
                {
                    d.on_tested(result);
                }
            }
            Event::Saved { request, result } => {
                let ours = matches!(&self.dialog, Some(Dialog::New(d))
                    if d.pending.as_ref().is_some_and(|p| p.request == request));
                let picked = match &self.dialog {
                    Some(Dialog::New(d)) if ours => d.picked_expiry(),
                    _ => None,
                };
                match result {
                    Ok((connection, account)) => {
                        // Saved, even if the dialog was closed meanwhile: show it.
                        let name = connection.name.clone();
                        let saved_expiry = connection.token_expires;
                        self.selected = Some(connection.id.clone());
                        self.upsert(connection);
                        if ours {
                            self.close_dialog(ctx);
                            self.new_draft = None;
                        }
                        let mut text =
                            format!("Saved {name}: connected as {}", account.display_name);
                        if let Some(note) = server_expiry_note(picked, saved_expiry) {
                            text.push_str(". ");
                            text.push_str(&note);
                        }
                        self.notify(ctx, text, false);
                    }
                    Err(e) => {
                        if ours && let Some(Dialog::New(d)) = &mut self.dialog {
                            d.on_save_failed(e);
                        }
                    }
                }
            }
            Event::Replaced { request, result } => {
                if let Ok((connection, _)) = &result {
                    if self.sharing(connection).next().is_some() {
                        // Linked connections got the new token too: show them as saved.
                        self.backend.load();
                    }
                    self.update_row(connection.clone());
                }
                if let Some(Dialog::Replace(d)) = &mut self.dialog
                    && d.pending.as_ref().is_some_and(|p| p.request == request)
                {
                    d.on_replaced(result);
                }
            }
            Event::Rotated { request, result } => {
                if let Ok(rotated) = &result {
                    // Linked connections may have the new token too: reload them all.
                    self.backend.load();
                    self.update_row(rotated.connection.clone());
                }
                if let Some(Dialog::Rotate(d)) = &mut self.dialog
                    && d.pending.as_ref().is_some_and(|p| p.request == request)
                {
                    d.on_rotated(result);
                }
            }
            Event::TokensListed { name, result } => {
                if let Some(Dialog::PickToken(d)) = &mut self.dialog
                    && d.connection.name == name
                {
                    d.set_tokens(result.map_err(|e| error_text(&e)));
                }
            }
            Event::TokenRecorded(result) => match result {
                Ok(connection) => {
                    self.update_row(connection.clone());
                    if matches!(self.dialog, Some(Dialog::PickToken(_))) {
                        self.close_dialog(ctx);
                    }
                    let label = connection.token_label.unwrap_or_default();
                    self.notify(ctx, format!("Recorded the token \"{label}\""), false);
                }
                Err(e) => self.notify(ctx, error_text(&e), true),
            },
            Event::Removed(result) => match result {
                Ok(removed) => {
                    self.rows.retain(|r| r.connection().id != removed.id);
                    if self.selected.as_ref() == Some(&removed.id) {
                        self.selected = self.rows.first().map(|r| r.connection().id.clone());
                    }
                    if matches!(self.dialog, Some(Dialog::Remove(_))) {
                        self.close_dialog(ctx);
                    }
                    let (text, outcome) = removed_notice(&removed);
                    self.tell(ctx, text, outcome);
                }
                Err(e) => {
                    if let Some(Dialog::Remove(d)) = &mut self.dialog {
                        d.pending = false;
                        d.error = Some(error_text(&e));
                    } else {
                        self.notify(ctx, error_text(&e), true);
                    }
                }
            },
            Event::Token { name, result } => match result {
                Ok(secret) => {
                    self.copies += 1;
                    let after = self.clipboard_clear_after;
                    self.uncleared = Some(secret.clone());
                    self.backend.copy_token(self.copies, secret, after);
                    self.notify(
                        ctx,
                        format!(
                            "Copied the token of {name}; the clipboard is cleared in {} s",
                            after.as_secs()
                        ),
                        false,
                    );
                }
                Err(e) => self.notify(ctx, error_text(&e), true),
            },
            Event::BrowserFailed { url } => self.offer_link(url),
            Event::SettingSaved(Err(e)) => self.notify(ctx, error_text(&e), true),
            Event::SettingSaved(Ok(())) => {}
            Event::Diagnosed(result) => {
                if let Some(d) = &mut self.diagnostics {
                    d.running = false;
                    d.report = Some(result.map_err(|e| error_text(&e)));
                }
            }
            Event::Reminders(result) => {
                self.reminders_pending = false;
                match result {
                    Ok(state) => {
                        self.reminders = Some(state.on);
                        if let Some(note) = state.note {
                            let outcome = if state.unfinished {
                                Outcome::ToDo
                            } else {
                                Outcome::Done
                            };
                            self.tell(ctx, note, outcome);
                        }
                    }
                    Err(e) => self.notify(ctx, error_text(&e), true),
                }
            }
            Event::CloudDetected { site, cloud_id } => {
                if let Some(Dialog::New(d)) = &mut self.dialog {
                    d.on_cloud_detected(&site, cloud_id);
                }
            }
            Event::Linked { jira, result } => {
                if self.linking.as_ref() == Some(&jira) {
                    self.linking = None;
                }
                match result {
                    Ok((connection, account)) => {
                        let name = connection.name.clone();
                        self.upsert(connection);
                        self.notify(
                            ctx,
                            format!(
                                "Saved {name}: Confluence accepts the token as {}",
                                account.display_name
                            ),
                            false,
                        );
                    }
                    Err(e) => self.notify(ctx, error_text(&e), true),
                }
            }
            Event::JiraCliFound(found) => {
                if self.rows.is_empty() {
                    self.import_offer = found.map(|found| ImportOffer {
                        found,
                        importing: false,
                        error: None,
                    });
                }
            }
            Event::Imported(result) => match result {
                Ok(imported) => {
                    self.import_offer = None;
                    let name = imported.connection.name.clone();
                    self.selected = Some(imported.connection.id.clone());
                    self.upsert(imported.connection);
                    self.notify(
                        ctx,
                        format!(
                            "Imported {name}: connected as {}",
                            imported.account.display_name
                        ),
                        false,
                    );
                    if let TokenSource::Netrc(entry) = imported.source
                        && self.dialog.is_none()
                    {
                        self.dialog = Some(Dialog::Netrc(Box::new(NetrcDialog::new(entry))));
                    }
                }
                Err(e) => {
                    if let Some(offer) = &mut self.import_offer {
                        offer.importing = false;
                        offer.error = Some(error_text(&e));
                    }
                }
            },
            Event::ClipboardRead { copy, holds_token } => {
                // A token copied again meanwhile has its own wait.
                if copy == self.copies {
                    self.uncleared = None;
                    if holds_token {
                        self.backend.clear_clipboard();
                    }
                }
            }
            Event::ClipboardFallback { text } => ctx.copy_text(text.expose_secret().to_string()),
            Event::NetrcCleaned(result) => match result {
                Ok(()) => {
                    if let Some(Dialog::Netrc(d)) = &self.dialog {
                        let text = format!(
                            "Deleted the entry for {} from {}",
                            d.entry.host,
                            d.entry.path.display()
                        );
                        self.close_dialog(ctx);
                        self.notify(ctx, text, false);
                    }
                }
                Err(e) => {
                    if let Some(Dialog::Netrc(d)) = &mut self.dialog {
                        d.pending = false;
                        d.error = Some(error_text(&e));
                    }
                }
            },
        }
    }

    fn apply(&mut self, command: Command, ctx: &egui::Context) {
        match command {
            Command::NewConnection => {
                if self.dialog.is_none() {
                    self.dialog = Some(Dialog::New(self.new_connection_dialog(Product::Jira)));
                }
            }
            Command::NewConfluenceConnection => {
                if self.dialog.is_none() {
                    let dialog = self.new_connection_dialog(Product::Confluence);
                    self.dialog = Some(Dialog::New(dialog));
                }
            }
            Command::About => self.about = self.dialog.is_none(),
            Command::CloseAbout => self.about = false,
            Command::Diagnostics => {
                if self.dialog.is_none() && self.diagnostics.is_none() {
                    self.about = false;
                    self.diagnostics = Some(Default::default());
                    self.run_diagnostics();
                }
            }
            Command::RunDiagnostics => self.run_diagnostics(),
            Command::DiagnosticsCopied => {
                if let Some(d) = &mut self.diagnostics {
                    d.copied = true;
                }
            }
            Command::CloseDiagnostics => self.diagnostics = None,
            Command::Select(id) => self.selected = Some(id),
            Command::Check(id) => self.check(&id),
            Command::CheckAll => {
                self.backend.reload_if_changed();
                self.check_all();
            }
            Command::ReplaceToken(id) => {
                if let Some(row) = self.row(&id) {
                    let sharing = self.sharing_names(row.connection());
                    let dialog = ReplaceTokenDialog::new(row.connection().clone(), sharing);
                    self.dialog = Some(Dialog::Replace(Box::new(dialog)));
                }
            }
            Command::PickToken(id) => {
                if let Some(row) = self.row(&id) {
                    self.backend.list_tokens(row.connection().name.clone());
                    let dialog = PickTokenDialog::new(row.connection().clone());
                    self.dialog = Some(Dialog::PickToken(Box::new(dialog)));
                }
            }
            Command::RecordToken { id, token } => {
                if let Some(row) = self.row(&id) {
                    self.backend
                        .record_token(row.connection().name.clone(), token);
                }
            }
            Command::RotateToken(id) => {
                if let Some(row) = self.row(&id) {
                    let dialog = RotateDialog::new(row.connection().clone());
                    self.dialog = Some(Dialog::Rotate(Box::new(dialog)));
                }
            }
            Command::RunRotate {
                id,
                options,
                password,
            } => {
                let Some(name) = self.row(&id).map(|r| r.connection().name.clone()) else {
                    return;
                };
                let request = self.request();
                let cancel = self.backend.rotate(request, name, options, password);
                if let Some(Dialog::Rotate(d)) = &mut self.dialog {
                    d.pending = Some(Pending {
                        request,
                        saving: true,
                        cancel,
                    });
                }
            }
            Command::ConfirmRemove(id) => {
                if let Some(row) = self.row(&id) {
                    let sharing = self.sharing_names(row.connection());
                    self.dialog = Some(Dialog::Remove(Box::new(RemoveDialog::new(
                        row.connection().clone(),
                        sharing,
                    ))));
                }
            }
            Command::CopyToken(id) => {
                if let Some(row) = self.row(&id) {
                    self.backend.token(row.connection().name.clone());
                }
            }
            Command::OpenUrl(url) => self.backend.open_url(url),
            Command::Test(submission) => self.submit(submission, false),
            Command::Save(submission) => self.submit(submission, true),
            Command::Replace { id, new } => {
                let Some(name) = self.row(&id).map(|r| r.connection().name.clone()) else {
                    return;
                };
                let request = self.request();
                let cancel = self.backend.replace(request, name, new);
                if let Some(Dialog::Replace(d)) = &mut self.dialog {
                    d.pending = Some(Pending {
                        request,
                        saving: true,
                        cancel,
                    });
                }
            }
            Command::Remove(id) => {
                if let Some(row) = self.row(&id) {
                    self.backend.remove(row.connection().name.clone());
                }
            }
            Command::CancelPending => match &mut self.dialog {
                Some(Dialog::New(d)) => d.cancel_pending(),
                Some(Dialog::Replace(d)) => d.cancel_pending(),
                Some(Dialog::Rotate(d)) => d.cancel_pending(),
                _ => {}
            },
            Command::CloseDialog => self.close_dialog(ctx),
            Command::SetCheckOnLaunch(on) => {
                self.check_on_launch = on;
                self.backend.set_check_on_launch(on);
            }
            Command::SetReminders(on) => {
                if !self.reminders_pending {
                    self.reminders_pending = true;
                    let scheduler = self.scheduler();
                    self.backend.reminders(scheduler, Some(on));
                }
            }
            Command::DetectCloud(site) => self.backend.detect_cloud(site),
            Command::LinkConfluence(id) => {
                if self.linking.is_none()
                    && let Some(row) = self.row(&id)
                {
                    self.backend.link_confluence(row.connection().clone());
                    self.linking = Some(id);
                }
            }
            Command::ImportJiraCli => {
                let sources = self.import_sources();
                if let Some(offer) = &mut self.import_offer
                    && !offer.importing
                {
                    offer.importing = true;
                    offer.error = None;
                    self.backend.import_jira_cli(offer.found.clone(), sources);
                }
            }
            Command::DismissImport => self.import_offer = None,
            Command::RemoveNetrc(entry) => self.backend.remove_netrc(entry),
            Command::Quit => ctx.send_viewport_cmd(egui::ViewportCommand::Close),
        }
    }

    fn top_bar(&mut self, ui: &mut Ui, commands: &mut Vec<Command>) {
        egui::Panel::top("top-bar")
            .frame(
                egui::Frame::side_top_panel(ui.style())
                    .inner_margin(egui::Margin::symmetric(12, 8)),
            )
            .show(ui, |ui| {
                ui.horizontal(|ui| {
                    if ui
                        .button(RichText::new("New Connection").strong())
                        .on_hover_text("Ctrl+N")
                        .clicked()
                    {
                        commands.push(Command::NewConnection);
                    }
                    let can_check = !self.rows.is_empty();
                    if ui
                        .add_enabled(can_check, egui::Button::new("Check all"))
                        .on_hover_text("Ctrl+R")
                        .clicked()
                    {
                        commands.push(Command::CheckAll);
                    }
                    widgets::right_aligned(ui, |ui| {
                        let mut on = self.check_on_launch;
                        if ui
                            .checkbox(&mut on, "Check at launch")
                            .on_hover_text("Re-check every connection when jira-connect starts")
                            .changed()
                        {
                            commands.push(Command::SetCheckOnLaunch(on));
                        }
                        let mut reminders = self.reminders.unwrap_or(false);
                        let known = self.reminders.is_some() && !self.reminders_pending;
                        if ui
                            .add_enabled(known, egui::Checkbox::new(&mut reminders, "Reminders"))
                            .on_hover_text(
                                "Check tokens daily and at login, with the window closed, \
                                 and notify about those that need attention",
                            )
                            .changed()
                        {
                            commands.push(Command::SetReminders(reminders));
                        }
                        widgets::theme_switch(ui);
                    });
                });
            });
    }

    fn empty_state(&self, ui: &mut Ui, commands: &mut Vec<Command>) {
        let p = palette(ui);
        ui.vertical_centered(|ui| {
            ui.add_space((ui.available_height() * 0.3).max(GAP));
            ui.label(RichText::new("No connections yet").heading().strong());
            ui.add_space(GAP);
            ui.label(
                RichText::new(
                    "jira-connect checks your Jira tokens, keeps them in the OS keyring, \
                     and warns you before they expire.",
                )
                .color(p.muted),
            );
            ui.add_space(GAP * 2.0);
            let button = egui::Button::new(RichText::new("New Connection").size(17.0).strong())
                .min_size(egui::vec2(220.0, 44.0));
            if ui.add(button).on_hover_text("Ctrl+N").clicked() {
                commands.push(Command::NewConnection);
            }
            if let Some(offer) = &self.import_offer {
                ui.add_space(GAP * 3.0);
                import_card(ui, offer, commands);
            }
        });
    }

    fn dialogs(&mut self, ui: &mut Ui, commands: &mut Vec<Command>) {
        let Some(dialog) = &mut self.dialog else {
            return;
        };
        let id = match dialog {
            Dialog::New(_) => "new-connection",
            Dialog::Replace(_) => "replace-token",
            Dialog::Rotate(_) => "rotate-token",
            Dialog::PickToken(_) => "pick-token",
            Dialog::Remove(_) => "remove",
            Dialog::Netrc(_) => "netrc",
        };
        let frame = egui::Frame::popup(ui.style()).inner_margin(20);
        let area = egui::Modal::default_area(egui::Id::unique(id)).accessible_name(dialog.title());
        egui::Modal::new(egui::Id::unique(id))
            .area(area)
            .frame(frame)
            .show(ui.ctx(), |ui| {
                ui.set_width(500.0);
                match dialog {
                    Dialog::New(d) => d.ui(ui, commands),
                    Dialog::Replace(d) => d.ui(ui, commands),
                    Dialog::Rotate(d) => d.ui(ui, commands),
                    Dialog::PickToken(d) => d.ui(ui, commands),
                    Dialog::Remove(d) => d.ui(ui, commands),
                    Dialog::Netrc(d) => d.ui(ui, commands),
                }
            });
    }

    /// Esc dismisses the box with a link, which is above everything else.
    fn notice_escape(&mut self, ui: &mut Ui) {
        if self.notice.as_ref().is_some_and(|n| n.link.is_some())
            && ui.input_mut(|i| i.consume_key(egui::Modifiers::NONE, egui::Key::Escape))
        {
            self.dismiss_notice();
        }
    }

    /// Takes the notice away, and gives the focus back to where it was before the box took it.
    fn dismiss_notice(&mut self) {
        if let Some(Notice {
            focus: Some(Some(id)),
            ..
        }) = self.notice.take()
        {
            self.focus_back = Some(id);
        }
    }

    fn notice_ui(&mut self, ui: &mut Ui) {
        let Some(notice) = &mut self.notice else {
            return;
        };
        if let Some(until) = notice.until {
            let now = ui.input(|i| i.time);
            if now >= until {
                self.notice = None;
                return;
            }
            ui.ctx()
                .request_repaint_after(std::time::Duration::from_secs_f64(until - now));
        }
        let p = palette(ui);
        let color = match notice.outcome {
            Outcome::Done => p.ok,
            Outcome::ToDo => p.warn,
            Outcome::Failed => p.bad,
        };
        // As wide as the text, up to a width that reads well; longer text wraps.
        let font = egui::TextStyle::Body.resolve(ui.style());
        let longest = notice
            .text
            .lines()
            .chain(notice.link.as_deref())
            .map(|line| {
                ui.painter()
                    .layout_no_wrap(line.to_string(), font.clone(), color)
                    .size()
                    .x
            })
            .fold(0.0, f32::max);
        let width = longest.clamp(200.0, NOTICE_WIDTH) + 1.0;
        let mut dismissed = false;
        // A failure is announced at once, a result when the screen reader is free.
        let role = if notice.outcome == Outcome::Failed {
            egui::accesskit::Role::Alert
        } else {
            egui::accesskit::Role::Status
        };
        egui::Area::new(egui::Id::unique("notice"))
            .anchor(egui::Align2::CENTER_BOTTOM, [0.0, -16.0])
            .order(egui::Order::Tooltip)
            .role(role)
            .show(ui.ctx(), |ui| {
                egui::Frame::popup(ui.style())
                    .inner_margin(egui::Margin::symmetric(14, 8))
                    .stroke(egui::Stroke::new(1.0, color))
                    .show(ui, |ui| {
                        ui.set_width(width);
                        let text = ui.add(
                            egui::Label::new(RichText::new(&notice.text).color(color))
                                .wrap()
                                .selectable(true),
                        );
                        widgets::announce(ui, &text, notice.outcome == Outcome::Failed);
                        if let Some(link) = &notice.link {
                            ui.add_space(GAP / 2.0);
                            ui.add(
                                egui::Label::new(RichText::new(link).monospace())
                                    .wrap()
                                    .selectable(true),
                            );
                        }
                        if notice.until.is_none() {
                            ui.add_space(GAP / 2.0);
                            widgets::button_row(ui, |ui| {
                                if ui.button("Dismiss").on_hover_text("Esc").clicked() {
                                    dismissed = true;
                                }
                                if let Some(link) = &notice.link {
                                    let copy = ui.button("Copy link");
                                    if notice.focus.is_none() {
                                        // The box takes the focus, so that Tab and Esc reach it.
                                        notice.focus = Some(ui.memory(|m| m.focused()));
                                        copy.request_focus();
                                    }
                                    if copy.clicked() {
                                        ui.ctx().copy_text(link.clone());
                                    }
                                }
                            });
                        }
                    });
            });
        if dismissed {
            self.dismiss_notice();
        }
    }
}

impl eframe::App for App {
    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        window_state::save_selected(storage, self.selected.as_ref());
        if let Some(theme) = self.theme {
            window_state::save_theme(storage, theme);
        }
    }

    /// A token copied less than the wait ago is not left behind on the clipboard: cleared
    /// now, if the clipboard still holds it. The app is closing, so this one clipboard
    /// round trip runs here.
    fn on_exit(&mut self, _gl: Option<&eframe::glow::Context>) {
        if let Some(token) = self.uncleared.take() {
            self.backend.clear_clipboard_now(&token);
        }
    }

    /// egui's memory holds text field state and such; only what [`window_state`] names is
    /// kept between launches.
    fn persist_egui_memory(&self) -> bool {
        false
    }

    fn logic(&mut self, ctx: &egui::Context, _frame: &mut eframe::Frame) {
        if let Some(theme) = self.theme_to_apply.take() {
            ctx.set_theme(theme);
        }
        self.first_frame.on_frame(ctx);
        self.caret.on_frame(ctx);
        while let Ok(event) = self.events.try_recv() {
            self.handle(event, ctx);
        }
        while let Some(request) = self.requests.as_ref().and_then(|r| r.try_recv().ok()) {
            self.on_request(request, ctx);
        }
    }

    fn ui(&mut self, ui: &mut Ui, _frame: &mut eframe::Frame) {
        let mut commands = Vec::new();
        // Once the dialog's layer is gone: until then egui keeps the focus off what is under it.
        if let Some(id) = self.focus_back
            && ui.memory(|m| m.top_modal_layer().is_none())
        {
            self.focus_back = None;
            ui.memory_mut(|m| m.request_focus(id));
        }
        let theme_before = ui.ctx().options(|o| o.theme_preference);
        let covered = self.about || self.diagnostics.is_some();
        menu::shortcuts(ui, self.dialog.is_some(), covered, &mut commands);
        menu::bar(ui, !self.rows.is_empty(), &mut commands);
        self.top_bar(ui, &mut commands);

        if let Some(err) = &self.load_error {
            let p = palette(ui);
            egui::CentralPanel::default().show(ui, |ui| {
                ui.add_space(GAP * 2.0);
                ui.label(RichText::new("Cannot read the saved connections").heading());
                ui.add_space(GAP);
                ui.add(egui::Label::new(RichText::new(err).color(p.bad)).wrap());
            });
        } else if self.rows.is_empty() {
            egui::CentralPanel::default().show(ui, |ui| {
                if self.loaded {
                    self.empty_state(ui, &mut commands);
                }
            });
        } else {
            egui::Panel::left("connections")
                .resizable(true)
                .default_size(280.0)
                .size_range(200.0..=420.0)
                .frame(
                    egui::Frame::side_top_panel(ui.style())
                        .inner_margin(egui::Margin::symmetric(4, 8)),
                )
                .show(ui, |ui| {
                    connection_list::ui(
                        ui,
                        &self.rows,
                        self.selected.as_ref(),
                        self.today,
                        &mut commands,
                    );
                });
            egui::CentralPanel::default()
                .frame(egui::Frame::central_panel(ui.style()).inner_margin(20))
                .show(ui, |ui| {
                    let row = self.selected.as_ref().and_then(|id| self.row(id));
                    match row {
                        Some(row) => {
                            let linked: Vec<&Connection> = self.sharing(row.connection()).collect();
                            let view = details::Details {
                                row,
                                linked: &linked,
                                linking: self.linking.as_ref() == Some(&row.connection().id),
                                today: self.today,
                            };
                            view.ui(ui, &mut commands);
                        }
                        None => {
                            ui.label("Select a connection on the left.");
                        }
                    }
                });
        }

        // The window's name to assistive technology is its title.
        ui.ctx()
            .accesskit_node_builder(egui::accesskit_root_id(), |node| {
                node.set_label(crate::ui::WINDOW_TITLE);
            });
        self.notice_escape(ui);
        self.dialogs(ui, &mut commands);
        self.escape(ui, &mut commands);
        if self.about {
            about::show(ui.ctx(), &mut commands);
        }
        if let Some(state) = &self.diagnostics {
            diagnostics::show(ui.ctx(), state, &mut commands);
        }
        self.notice_ui(ui);
        crate::ui::style::focus_ring(ui.ctx());
        let ctx = ui.ctx().clone();
        let theme = ctx.options(|o| o.theme_preference);
        if theme != theme_before {
            // The user picked a theme: remember it.
            self.theme = Some(theme);
        }
        if ctx.input(|i| {
            i.events
                .iter()
                .any(|e| matches!(e, egui::Event::WindowFocused(true)))
        }) {
            // Back to the window: show what the CLI changed meanwhile.
            self.backend.reload_if_changed();
        }
        for command in commands {
            let was_open = self.dialog.is_some();
            self.apply(command, &ctx);
            if !was_open && self.dialog.is_some() {
                self.opener = ctx.memory(|m| m.focused());
            }
        }
    }
}

/// What Remove says when it is done: that the token still works, which one it is and where
/// to revoke it, as the confirmation said before.
fn removed_notice(removed: &Connection) -> (String, Outcome) {
    use crate::core::connection::AuthKind;
    if removed.auth == AuthKind::Password {
        return (
            format!(
                "Removed {}; its password is deleted from the OS keyring",
                removed.name
            ),
            Outcome::Done,
        );
    }
    (
        format!(
            "Removed {}. Its token still works until you revoke it: revoke {} at {}",
            removed.name,
            removed.which_token(),
            removed.token_page()
        ),
        Outcome::ToDo,
    )
}
