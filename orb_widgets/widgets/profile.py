"""Step 8: the testing profile (sections a–g) and the buddy-county questions."""

from __future__ import annotations

from .context import WorkbookContext
from .controls import text_area, text_box
from .editor import EntryEditor
from .style import section_header


class TestingProfile(EntryEditor):
    """The county's testing profile, saved as the team writes it."""

    kind = "testing_profile"
    __test__ = False  # not a pytest test class, despite the name

    def __init__(self, ctx: WorkbookContext, **kw):
        fw = ctx.framework
        self.sections = {
            s.id: text_area(f"{s.id}) {s.label}", help=s.help or "Write a few sentences.", rows=3)
            for s in fw.testing_profile
        }
        words = ctx.words
        self.buddy_county = text_box(f"Our {words.buddy_unit}", f"the {words.unit} we paired with", size="long")
        self.buddy = {
            q.id: text_area(f"{q.id}. {q.label}", help=q.help or "Write a few sentences.", rows=3)
            for q in fw.buddy_questions
        }
        children = [
            section_header(
                "Our testing profile",
                f"What you tried, what you learned and what you would tell another {words.unit}. "
                "Short, plain sentences are best.",
            ),
            *self.sections.values(),
            section_header(
                words.buddy_unit_title,
                f"If you paired with another {words.unit}, note how it went and what you take away.",
            ),
            self.buddy_county,
            *self.buddy.values(),
        ]
        super().__init__(ctx, "main", children, **kw)
        self.watch(self.buddy_county, *self.sections.values(), *self.buddy.values())
        self.load()

    def collect(self) -> dict:
        return {
            "buddy_county": self.buddy_county.value,
            "sections": {k: c.value for k, c in self.sections.items()},
            "buddy": {k: c.value for k, c in self.buddy.items()},
        }

    def fill(self, body: dict) -> None:
        self.buddy_county.value = body.get("buddy_county", "")
        for k, c in self.sections.items():
            c.value = body.get("sections", {}).get(k, "")
        for k, c in self.buddy.items():
            c.value = body.get("buddy", {}).get(k, "")
