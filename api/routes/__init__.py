"""One router per resource: `APIRouter(prefix=..., tags=[...])` with `read_*` handlers."""
