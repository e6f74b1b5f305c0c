"""Load roadmap definitions from YAML with line numbers, so every error says file:line."""

from __future__ import annotations

import functools
import hashlib
import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from common.errors import DefinitionError
from common.messages import CATALOGUE, message_fields, render_message
from definitions.schema import Roadmap

_log = logging.getLogger(__name__)

# PyYAML's problems (English) as the catalogue's Russian, by a phrase of the problem
_YAML_PROBLEMS = (
    ("mapping values are not allowed", "yaml.colon"),
    ("tab character", "yaml.tab"),
    ("character '\\t'", "yaml.tab"),
    ("unexpected end of stream", "yaml.end"),
    ("expected ',' or ']'", "yaml.bracket"),
    ("expected ',' or '}'", "yaml.brace"),
    ("undefined alias", "yaml.alias"),
    ("could not find expected ':'", "yaml.no_colon"),
    ("expected <block end>", "yaml.indent"),
    ("did not find expected key", "yaml.indent"),
    ("did not find expected '-'", "yaml.indent"),
    ("unknown escape character", "yaml.escape"),
)


def yaml_problem(error: yaml.YAMLError) -> str:
    """What is wrong in a YAML text, in Russian (PyYAML's own words go to the log)."""
    problem = str(getattr(error, "problem", None) or error)
    _log.info("YAML: %s", error)
    for phrase, code in _YAML_PROBLEMS:
        if phrase in problem:
            return render_message(code)
    return render_message("yaml.other")


ROADMAPS_DIR = Path(__file__).resolve().parent / "roadmaps"
_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

Loc = tuple[str | int, ...]


@dataclass(frozen=True)
class RoadmapFile:
    """A validated roadmap with where it came from: path, content hash and a line per field."""

    roadmap: Roadmap
    path: Path
    content_hash: str
    text: str = field(repr=False, compare=False)
    lines: dict[Loc, int] = field(repr=False, compare=False, default_factory=dict)
    # the published version when the definition comes from the database (the portal's editor)
    stored_version: int | None = field(default=None, compare=False)

    @property
    def origin(self) -> str:
        """Where the definition comes from, for messages: «файл …» or «база данных, версия N»."""
        if self.stored_version is not None:
            return f"база данных, версия {self.stored_version}"
        return f"файл {self.path}"

    def line_of(self, *loc: str | int) -> int:
        """The 1-based line of the field at ``loc`` (or of its nearest parent)."""
        path = tuple(loc)
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return 1

    def where(self, *loc: str | int) -> str:
        """``file:line`` of the field at ``loc``."""
        return f"{self.path}:{self.line_of(*loc)}"

    def step_loc(self, code: str, *rest: str | int) -> Loc:
        """The location tuple of a field of the step with this code."""
        for index, step in enumerate(self.roadmap.steps):
            if step.code == code:
                return ("steps", index, *rest)
        return ("steps",)


def _index_lines(node: yaml.Node, loc: Loc, out: dict[Loc, int]) -> None:
    out[loc] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value
            out[(*loc, key)] = key_node.start_mark.line + 1
            _index_lines(value_node, (*loc, key), out)
            # a key's own line is more useful than its value's first line for block values
            out[(*loc, key)] = key_node.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _index_lines(item, (*loc, index), out)


def _format_loc(loc: tuple[Any, ...]) -> str:
    parts: list[str] = []
    for part in loc:
        if isinstance(part, int):
            parts.append(f"[{part}]")
        else:
            parts.append(("." if parts else "") + str(part))
    return "".join(parts)


def problem_text(problem: Any) -> str:
    """Pydantic's finding in Russian, by its kind; a validator's own text is already Russian."""
    kind = problem["type"]
    context = problem.get("ctx") or {}
    if kind in ("value_error", "assertion_error"):
        return str(context.get("error", problem["msg"]))
    if kind == "literal_error":  # pydantic joins the values with an English "or"
        expected = str(context.get("expected", "")).replace(" or ", " или ")
        return render_message("definition.check.literal_error", expected=expected)
    code = f"definition.check.{kind}"
    if code in CATALOGUE and message_fields(code) <= set(context):
        return render_message(code, **{name: context[name] for name in message_fields(code)})
    return render_message("definition.invalid", kind=kind)


def parse_roadmap_text(text: str, *, path: Path) -> RoadmapFile:
    """Validate a roadmap's YAML text; raise DefinitionError with file:line on the first problem.

    All problems are collected: the exception's reason lists every one, each on its own line.

    A text read before under the same path gives the same RoadmapFile again, for the process
    (the models are frozen; the result is shared, never to be changed): the tick, each page and
    each command look the roadmaps up again and again (`find_roadmap` reads every file, a run's
    launched definition is parsed for each lookup), and parsing a seed costs 1–3 ms of YAML and
    validation, ≈ 10 ms for the five at each `find_roadmap` (≈ 13 s of the in-process tests' CPU
    before). A refusal is not kept: the same text is refused again.
    """
    return _parse_kept(text, path)


@functools.lru_cache(maxsize=64)
def _parse_kept(text: str, path: Path) -> RoadmapFile:
    try:
        # one pass of libyaml (when built in) gives both the nodes (for lines) and the data
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else 1
        raise DefinitionError(
            code="definition.not_yaml", where=f"{path}:{line}", detail=yaml_problem(error)
        ) from None
    if node is None or not isinstance(data, dict):
        raise DefinitionError(code="definition.not_a_mapping", where=f"{path}:1")
    lines: dict[Loc, int] = {}
    _index_lines(node, (), lines)
    try:
        roadmap = Roadmap.model_validate(data)
    except ValidationError as error:
        messages = []
        for problem in error.errors():
            loc = tuple(
                p for p in problem["loc"] if not isinstance(p, str) or not p.startswith("function-")
            )
            probe = loc
            while probe and probe not in lines:
                probe = probe[:-1]
            line = lines.get(probe, 1)
            field_name = _format_loc(loc) or "roadmap"
            messages.append(f"{path}:{line}: {field_name}: {problem_text(problem)}")
        raise DefinitionError("\n".join(messages)) from None
    loaded = RoadmapFile(
        roadmap=roadmap,
        path=path,
        content_hash=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        text=text,
        lines=lines,
    )
    _check_references(loaded)
    return loaded


def _check_references(loaded: RoadmapFile) -> None:
    """Errors the schema cannot see: duplicate codes, unknown sections or prerequisites, cycles."""
    roadmap = loaded.roadmap
    problems: list[str] = []
    seen: dict[str, int] = {}
    for index, step in enumerate(roadmap.steps):
        if step.code in seen:
            problems.append(
                f"{loaded.where('steps', index, 'code')}: "
                + render_message(
                    "definition.code_twice",
                    step=step.code,
                    line=loaded.line_of("steps", seen[step.code], "code"),
                )
            )
        else:
            seen[step.code] = index
    sections = {section.code for section in roadmap.sections}
    for index, step in enumerate(roadmap.steps):
        if step.section is not None and step.section not in sections:
            hint = (
                render_message("definition.section_is_step", section=step.section)
                if step.section in seen
                else ""
            )
            problems.append(
                f"{loaded.where('steps', index, 'section')}: "
                + render_message("definition.unknown_section", section=step.section, hint=hint)
            )
        if step.parent is not None and (step.parent not in seen or step.parent == step.code):
            problems.append(
                f"{loaded.where('steps', index, 'parent')}: "
                + render_message("definition.unknown_parent", step=step.code, parent=step.parent)
            )
        for dep_index, dep in enumerate(step.depends_on):
            if dep not in seen:
                problems.append(
                    f"{loaded.where('steps', index, 'depends_on', dep_index)}: "
                    + render_message(
                        "definition.unknown_dependency", step=step.code, dependency=dep
                    )
                )
            elif dep == step.code:
                problems.append(
                    f"{loaded.where('steps', index, 'depends_on', dep_index)}: "
                    + render_message("definition.depends_on_itself", step=step.code)
                )
    cycle = find_cycle(roadmap)
    if cycle and not problems:
        first = cycle[0]
        problems.append(
            f"{loaded.where(*loaded.step_loc(first, 'depends_on'))}: "
            + render_message("definition.cycle", cycle=" → ".join([*cycle, first]))
        )
    if problems:
        raise DefinitionError("\n".join(problems))


def find_cycle(roadmap: Roadmap) -> list[str] | None:
    """A dependency cycle as a list of codes, or None when the graph is acyclic."""
    graph = {step.code: list(step.depends_on) for step in roadmap.steps}
    state: dict[str, int] = {}  # 1 = on the stack, 2 = finished
    stack: list[str] = []

    def visit(code: str) -> list[str] | None:
        state[code] = 1
        stack.append(code)
        for dep in graph.get(code, []):
            if dep not in graph:
                continue
            if state.get(dep) == 1:
                return stack[stack.index(dep) :]
            if dep not in state:
                found = visit(dep)
                if found:
                    return found
        stack.pop()
        state[code] = 2
        return None

    for code in graph:
        if code not in state:
            found = visit(code)
            if found:
                return found
    return None


def load_roadmap(path: str | Path) -> RoadmapFile:
    """Load and validate one roadmap file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DefinitionError(code="definition.file_missing", where=str(path)) from None
    except UnicodeDecodeError as error:
        raise DefinitionError(
            code="definition.not_utf8", where=str(path), position=error.start
        ) from None
    return parse_roadmap_text(text, path=path)


def roadmap_paths(extra_dir: Path | None = None) -> Iterator[Path]:
    """The definition files nastavnik knows: the built-in ones and those of the settings folder."""
    for directory in (ROADMAPS_DIR, extra_dir):
        if directory is not None and directory.is_dir():
            yield from sorted(directory.glob("*.yaml"))


# (roadmap id, version, YAML text): a published version kept in the database
Stored = tuple[str, int, str]


def stored_path(roadmap_id: str, version: int) -> Path:
    """The name a stored definition's messages carry in place of a file's path."""
    return Path(f"база данных/{roadmap_id}, версия {version}")


def load_stored(stored: Stored) -> RoadmapFile:
    """Load and validate a definition kept in the database."""
    roadmap_id, version, text = stored
    loaded = parse_roadmap_text(text, path=stored_path(roadmap_id, version))
    return RoadmapFile(
        roadmap=loaded.roadmap,
        path=loaded.path,
        content_hash=loaded.content_hash,
        text=loaded.text,
        lines=loaded.lines,
        stored_version=version,
    )


def load_roadmaps(
    extra_dir: Path | None = None, stored: Sequence[Stored] = ()
) -> list[RoadmapFile]:
    """All known roadmaps: the files in file-name order, then the database's published versions.

    Two definitions with one id are an error naming both: two files, or a file and a version in
    the database (the portal refuses to publish an id a file has, so the latter means a file was
    added to the folder later).
    """
    loaded = [load_roadmap(path) for path in roadmap_paths(extra_dir)]
    loaded += [load_stored(item) for item in stored]
    first: dict[str, RoadmapFile] = {}
    for item in loaded:
        earlier = first.setdefault(item.roadmap.id, item)
        if earlier is not item:
            if item.stored_version is None:
                raise DefinitionError(
                    code="definition.same_id_twice",
                    where=f"{item.path}:{item.line_of('id')}",
                    roadmap=item.roadmap.id,
                    first=earlier.path,
                    second=item.path,
                )
            raise DefinitionError(
                code="definition.same_id_file_and_database",
                where=f"{earlier.path}:{earlier.line_of('id')}",
                roadmap=item.roadmap.id,
                file=earlier.path,
                version=item.stored_version,
            )
    return loaded


def find_roadmap(
    roadmap_id: str, extra_dir: Path | None = None, stored: Sequence[Stored] = ()
) -> RoadmapFile:
    """The known roadmap with this id; a clear error listing the known ids otherwise."""
    known = load_roadmaps(extra_dir, stored)
    for loaded in known:
        if loaded.roadmap.id == roadmap_id:
            return loaded
    raise DefinitionError(
        code="definition.unknown_roadmap",
        field="roadmap",
        roadmap=roadmap_id,
        known=", ".join(item.roadmap.id for item in known) or "нет",
    )
