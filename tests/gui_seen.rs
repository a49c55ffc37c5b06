//! What a user sees: names in any script, notices that say how things went, a theme that is
//! remembered, the list following changes made outside the window, a free default name, and
//! outlines and focus rings measured from drawn pixels.

use egui::accesskit::Role;
use egui::{Color32, FontId, Pos2, Rect};
use egui_kittest::kittest::Queryable;

use super::desktop::{Remembered, relaunch};
use super::*;

/// Renames the account that the last check of connection `name` found.
fn rename_account(svc: &Connections, name: &str, display_name: &str) {
    svc.config()
        .update(|cfg| {
            let c = cfg.connections.iter_mut().find(|c| c.name == name).unwrap();
            c.last_check.as_mut().unwrap().display_name = Some(display_name.to_string());
            cfg.check_on_launch = false;
            Ok(())
        })
        .unwrap();
}

#[test]
fn japanese_and_korean_names_are_drawn_with_real_glyphs() {
    let mut g = gui(|rt, svc, jira| {
        saved(rt, svc, jira, "yamada");
        saved(rt, svc, jira, "kim");
        rename_account(svc, "yamada", "山田太郎");
        rename_account(svc, "kim", "김민준");
    });
    for _ in 0..3 {
        g.harness.step();
    }
    assert!(g.shows("山田太郎"), "the list shows the Japanese name");
    let font = FontId::proportional(14.0);
    for name in ["山田太郎", "김민준"] {
        assert!(
            g.harness.ctx.fonts_mut(|f| f.has_glyphs(&font, name)),
            "no font has the glyphs of {name}: it is drawn as boxes"
        );
    }
}

#[test]
fn latin_text_never_lists_the_system_fonts() {
    let mut g = gui(|rt, svc, jira| saved(rt, svc, jira, "acme"));
    g.idle();
    g.open_new_connection();
    for _ in 0..3 {
        g.harness.step();
    }
    assert!(
        !g.harness.state().system_fonts_listed(),
        "the bundled fonts cover the window's own text; the system's are listed only when needed"
    );
}

/// Copy token on a connection whose token is gone from the keyring fails.
fn failed_copy() -> Gui {
    let store = Arc::new(KeyringStore::mock());
    let mut g = gui_with(store.clone(), |rt, svc, jira| saved(rt, svc, jira, "acme"));
    g.idle();
    let id = g.svc.get("acme").unwrap().id;
    store.delete(&id).unwrap();
    g.click("Copy token");
    g.until("the failure is told", |h| h.state().notice().is_some());
    // A new area is laid out unseen in its first frame.
    for _ in 0..3 {
        g.harness.step();
    }
    g
}

#[test]
fn a_failure_stays_until_dismissed() {
    let mut g = failed_copy();
    let said = g.harness.state().notice().unwrap().to_string();
    // Half a minute of frames, at 60 a second.
    for _ in 0..1800 {
        g.harness.step();
    }
    assert_eq!(
        g.harness.state().notice(),
        Some(said.as_str()),
        "a failure stays until the user dismisses it"
    );
    g.click("Dismiss");
    assert_eq!(g.harness.state().notice(), None);
}

#[test]
fn notices_are_coloured_by_outcome() {
    use jira_connect::ui::app::Outcome;
    let g = failed_copy();
    assert_eq!(g.harness.state().notice_outcome(), Some(Outcome::Failed));
    let text = g.harness.state().notice().unwrap().to_string();
    assert!(g.shows(&text), "the failure is shown");
    let mut g2 = gui(|rt, svc, jira| saved(rt, svc, jira, "acme"));
    g2.idle();
    g2.click("Remove");
    let buttons = g2.harness.get_all_by_role_and_label(Role::Button, "Remove");
    buttons.last().unwrap().click_accesskit();
    g2.until("removed", |h| h.state().rows().is_empty());
    assert_eq!(
        g2.harness.state().notice_outcome(),
        Some(Outcome::ToDo),
        "removed, with a token still to revoke"
    );
}

#[test]
fn remove_tells_which_token_to_revoke() {
    let mut g = gui(|rt, svc, jira| saved(rt, svc, jira, "acme"));
    g.idle();
    g.click("Remove");
    let buttons = g.harness.get_all_by_role_and_label(Role::Button, "Remove");
    buttons.last().unwrap().click_accesskit();
    g.until("the row is gone", |h| h.state().rows().is_empty());
    let notice = g.harness.state().notice().unwrap_or_default().to_string();
    assert!(
        notice.contains("Removed acme") && notice.contains("revoke the token labelled \"laptop\""),
        "the notice keeps the reminder to revoke, with the label: {notice:?}"
    );
    assert!(notice.contains("id.atlassian.com"), "and where: {notice:?}");
}

#[test]
fn a_second_account_on_the_same_site_gets_a_free_name() {
    let mut g = gui(|rt, svc, jira| saved(rt, svc, jira, "127-0-0-1"));
    g.idle();
    g.open_new_connection();
    let url = g.jira.uri();
    g.type_into(Role::TextInput, "Jira URL", &url);
    assert_eq!(
        g.field_value(Role::TextInput, "Name"),
        "127-0-0-1-2",
        "127-0-0-1 is taken"
    );
}

#[test]
fn a_connection_added_outside_the_window_shows_up_and_nothing_is_lost() {
    let mut g = gui(|rt, svc, jira| {
        saved(rt, svc, jira, "acme");
        saved(rt, svc, jira, "zeta");
    });
    g.idle();
    g.harness.get_by_label("zeta, Valid").click_accesskit();
    g.harness.step();
    g.open_new_connection();
    g.type_into(Role::TextInput, "Jira URL", "typed.example");
    // The CLI, another process: its own store on the same directory.
    let cli = Connections::new(
        ConfigStore::new(g.svc.config().dir()),
        Arc::new(KeyringStore::mock()),
        JiraClient::new(Duration::from_secs(10)).unwrap(),
    );
    let draft = prepare(&NewConnection {
        url: g.jira.uri(),
        name: Some("from-cli".into()),
        deployment: Some(Deployment::Cloud),
        login: Some(EMAIL.into()),
        ..Default::default()
    })
    .unwrap();
    g.rt.block_on(cli.add(draft, SecretString::from(TOKEN), &Cancel::new()))
        .unwrap();
    g.until("the CLI's connection is listed", |h| {
        h.state()
            .rows()
            .iter()
            .any(|r| r.connection().name == "from-cli")
    });
    assert_eq!(g.harness.state().selected_name(), Some("zeta"));
    assert!(g.harness.state().dialog_open(), "the dialog stays open");
    assert_eq!(
        g.field_value(Role::TextInput, "Jira URL"),
        "typed.example",
        "with what was typed"
    );
}

#[test]
fn the_theme_picked_is_remembered() {
    let mut g = gui(|_, _, _| {});
    g.click("Light");
    let mut storage = Remembered::default();
    eframe::App::save(g.harness.state_mut(), &mut storage);
    let mut again = relaunch(&g, storage, None, None);
    again.step();
    assert_eq!(
        again.ctx.options(|o| o.theme_preference),
        egui::ThemePreference::Light,
        "the next launch opens in the theme picked"
    );
}

// ---------------------------------------------------------------------------------------
// Pixels: the last frame's shapes, tessellated by egui and filled in here with their vertex
// colours (a software rasteriser in the manner of egui's renderers: premultiplied alpha,
// blended in gamma space). Text comes out as blocks, as no font texture is sampled, so only
// outlines and rings away from text are measured.

struct Picture {
    size: [usize; 2],
    pixels: Vec<[f32; 3]>,
}

impl Picture {
    fn draw(harness: &Harness<'static, App>, within: Rect) -> Picture {
        let output = harness.output();
        let ppp = output.pixels_per_point;
        let background = harness.ctx.global_style().visuals.panel_fill;
        let size = [
            (harness.ctx.content_rect().width() * ppp) as usize,
            (harness.ctx.content_rect().height() * ppp) as usize,
        ];
        let bg = [
            background.r() as f32,
            background.g() as f32,
            background.b() as f32,
        ];
        let mut picture = Picture {
            size,
            pixels: vec![bg; size[0] * size[1]],
        };
        let primitives = harness.ctx.tessellate(output.shapes.clone(), ppp);
        for p in primitives {
            let egui::epaint::Primitive::Mesh(mesh) = &p.primitive else {
                continue;
            };
            let clip = p.clip_rect.intersect(within);
            for tri in mesh.indices.chunks_exact(3) {
                let v = [
                    mesh.vertices[tri[0] as usize],
                    mesh.vertices[tri[1] as usize],
                    mesh.vertices[tri[2] as usize],
                ];
                picture.fill(&v, clip, ppp);
            }
        }
        picture
    }

    fn fill(&mut self, v: &[egui::epaint::Vertex; 3], clip: Rect, ppp: f32) {
        let p: Vec<Pos2> = v
            .iter()
            .map(|v| (v.pos.to_vec2() * ppp).to_pos2())
            .collect();
        let min_x = p
            .iter()
            .map(|p| p.x)
            .fold(f32::MAX, f32::min)
            .max(clip.min.x * ppp);
        let max_x = p
            .iter()
            .map(|p| p.x)
            .fold(f32::MIN, f32::max)
            .min(clip.max.x * ppp);
        let min_y = p
            .iter()
            .map(|p| p.y)
            .fold(f32::MAX, f32::min)
            .max(clip.min.y * ppp);
        let max_y = p
            .iter()
            .map(|p| p.y)
            .fold(f32::MIN, f32::max)
            .min(clip.max.y * ppp);
        if min_x >= max_x || min_y >= max_y {
            return;
        }
        let area = (p[1].x - p[0].x) * (p[2].y - p[0].y) - (p[2].x - p[0].x) * (p[1].y - p[0].y);
        if area.abs() < 1e-6 {
            return;
        }
        for y in (min_y.floor() as usize)..(max_y.ceil() as usize).min(self.size[1]) {
            for x in (min_x.floor() as usize)..(max_x.ceil() as usize).min(self.size[0]) {
                let c = Pos2::new(x as f32 + 0.5, y as f32 + 0.5);
                let w0 = ((p[1].x - c.x) * (p[2].y - c.y) - (p[2].x - c.x) * (p[1].y - c.y)) / area;
                let w1 = ((p[2].x - c.x) * (p[0].y - c.y) - (p[0].x - c.x) * (p[2].y - c.y)) / area;
                let w2 = 1.0 - w0 - w1;
                if w0 < 0.0 || w1 < 0.0 || w2 < 0.0 {
                    continue;
                }
                let mix = |f: fn(&Color32) -> u8| {
                    w0 * f(&v[0].color) as f32
                        + w1 * f(&v[1].color) as f32
                        + w2 * f(&v[2].color) as f32
                };
                let (r, g, b, a) = (
                    mix(Color32::r),
                    mix(Color32::g),
                    mix(Color32::b),
                    mix(Color32::a),
                );
                let dst = &mut self.pixels[y * self.size[0] + x];
                let keep = 1.0 - a / 255.0;
                *dst = [r + dst[0] * keep, g + dst[1] * keep, b + dst[2] * keep];
            }
        }
    }

    fn at(&self, x: f32, y: f32) -> [f32; 3] {
        self.pixels[(y as usize) * self.size[0] + x as usize]
    }
}

/// WCAG 2.x relative luminance of an sRGB colour.
fn luminance(c: [f32; 3]) -> f32 {
    let lin = |v: f32| {
        let v = v / 255.0;
        if v <= 0.04045 {
            v / 12.92
        } else {
            ((v + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * lin(c[0]) + 0.7152 * lin(c[1]) + 0.0722 * lin(c[2])
}

fn contrast(a: [f32; 3], b: [f32; 3]) -> f32 {
    let (la, lb) = (luminance(a), luminance(b));
    (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
}

/// The strongest contrast between what two pictures show in the band just outside `rect`
/// (where a focus ring is drawn), along the middle of each side.
fn change_around(before: &Picture, after: &Picture, rect: Rect) -> f32 {
    let mut best = 1.0_f32;
    for d in 0..4 {
        let d = d as f32 + 0.5;
        for (x, y) in [
            (rect.center().x, rect.top() - d),
            (rect.center().x, rect.bottom() + d),
            (rect.left() - d, rect.center().y),
            (rect.right() + d, rect.center().y),
        ] {
            best = best.max(contrast(before.at(x, y), after.at(x, y)));
        }
    }
    best
}

fn set_theme(g: &mut Gui, theme: egui::ThemePreference) {
    g.harness.ctx.set_theme(theme);
    for _ in 0..3 {
        g.harness.step();
    }
}

#[test]
fn focus_rings_on_list_rows_and_menu_titles_measure_at_least_3_to_1() {
    let mut g = gui(|rt, svc, jira| {
        saved(rt, svc, jira, "acme");
        saved(rt, svc, jira, "zeta");
    });
    g.idle();
    for theme in [egui::ThemePreference::Light, egui::ThemePreference::Dark] {
        set_theme(&mut g, theme);
        for (role, label) in [
            (Role::ListItem, "zeta, Valid"),
            (Role::MenuItem, "Connection"),
        ] {
            let rect = g.harness.get_by_role_and_label(role, label).rect();
            let around = rect.expand(8.0);
            let before = Picture::draw(&g.harness, around);
            g.harness.get_by_role_and_label(role, label).focus();
            for _ in 0..2 {
                g.harness.step();
            }
            let after = Picture::draw(&g.harness, around);
            let ratio = change_around(&before, &after, rect);
            println!("{theme:?}: focus ring of {label:?}: {ratio:.2}:1");
            assert!(
                ratio >= 3.0,
                "{theme:?}: the focus ring of {label:?} measures {ratio:.2}:1"
            );
            g.harness.ctx.memory_mut(|m| {
                if let Some(id) = m.focused() {
                    m.surrender_focus(id);
                }
            });
            for _ in 0..2 {
                g.harness.step();
            }
        }
    }
}

#[test]
fn an_unchecked_box_in_the_light_theme_measures_at_least_3_to_1() {
    let mut g = gui(|_, _, _| {});
    set_theme(&mut g, egui::ThemePreference::Light);
    g.open_new_connection();
    for _ in 0..3 {
        g.harness.step();
    }
    let checkbox = g
        .harness
        .get_by_role_and_label(Role::CheckBox, "Jira Cloud")
        .rect();
    let icon = g.harness.ctx.global_style().spacing.icon_width;
    let square = Rect::from_center_size(
        Pos2::new(checkbox.left() + icon / 2.0, checkbox.center().y),
        egui::vec2(icon, icon),
    );
    let picture = Picture::draw(&g.harness, square.expand(6.0));
    let dialog = picture.at(square.left() - 4.0, square.center().y);
    let mut best = 1.0_f32;
    for y in (square.top() as usize)..(square.bottom() as usize) {
        for x in (square.left() as usize)..(square.right() as usize) {
            best = best.max(contrast(picture.at(x as f32 + 0.5, y as f32 + 0.5), dialog));
        }
    }
    println!("light theme: unchecked box against the dialog: {best:.2}:1");
    assert!(
        best >= 3.0,
        "the unchecked box measures {best:.2}:1 against the dialog"
    );
}
