//! After an import from jira-cli whose token sat in plaintext in `~/.netrc`: offers to
//! delete that entry, now that the token is in the OS keyring.

use egui::{RichText, Ui};

use crate::core::netrc::EntryRef;
use crate::ui::Command;
use crate::ui::form::confirm_footer;
use crate::ui::widgets::{GAP, palette};

pub(crate) struct NetrcDialog {
    /// The entry the token was found in.
    pub entry: EntryRef,
    pub pending: bool,
    pub error: Option<String>,
}

impl NetrcDialog {
    pub(crate) const TITLE: &'static str = "Delete the plaintext token?";

    pub fn new(entry: EntryRef) -> Self {
        NetrcDialog {
            entry,
            pending: false,
            error: None,
        }
    }

    pub fn ui(&mut self, ui: &mut Ui, commands: &mut Vec<Command>) {
        let p = palette(ui);
        ui.heading(Self::TITLE);
        ui.add_space(GAP);
        ui.add(
            egui::Label::new(format!(
                "The token for {} is now in the OS keyring, but a plaintext copy is still in {}.",
                self.entry.host,
                self.entry.path.display()
            ))
            .wrap(),
        );
        ui.label(
            RichText::new(format!(
                "Deleting removes only the `machine {}` entry; the other entries stay.",
                self.entry.host
            ))
            .color(p.muted),
        );
        let delete = egui::Button::new(RichText::new("Delete the entry").strong());
        let keep = "Keep it";
        if confirm_footer(
            ui,
            self.error.as_deref(),
            self.pending,
            keep,
            delete,
            commands,
        ) {
            self.pending = true;
            self.error = None;
            commands.push(Command::RemoveNetrc(self.entry.clone()));
        }
    }
}
