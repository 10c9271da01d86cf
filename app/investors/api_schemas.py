"""Contact shapes of the JSON door: a contact as its reader may see it (masked unless they
work on the project). Writes use the shared schemas (ContactIn, ContactUpdate)."""

from pydantic import BaseModel

from app.investors.service import ContactView


class ContactOut(BaseModel):
    """`masked`: phone and e-mail partly hidden from this reader; `unreadable`: a stored
    value does not decrypt (both null then)."""

    id: int
    name: str
    title: str | None
    phone: str | None
    email: str | None
    masked: bool
    unreadable: bool

    @classmethod
    def of(cls, view: ContactView) -> "ContactOut":
        return cls(id=view.id, name=view.name, title=view.title, phone=view.phone,
                   email=view.email, masked=view.masked, unreadable=view.unreadable)


class ContactPage(BaseModel):
    items: list[ContactOut]
