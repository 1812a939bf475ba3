"""The `newsdesk` command line: one entry point, subcommands per job."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich import box
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Column, Table
from typer.core import TyperGroup

from newsdesk.config import Settings, load_settings
from newsdesk.errors import NewsdeskError, describe_failure
from newsdesk.keys import utcnow

if TYPE_CHECKING:  # the store (alembic, SQLAlchemy) loads only for commands that use it: `extract` stays quick
    from newsdesk.passes import Passes

out = Console(soft_wrap=True)  # messages are never hard-wrapped: logs and scripts read them whole
err = Console(stderr=True, soft_wrap=True)

# Errors that say the command was asked for something it cannot do as given or as configured (exit status 2, as
# for a mistake in the command line); any other NewsdeskError ends a command with exit status 1.
USAGE_REASONS = frozenset({"source_refused", "source_blocked", "broker_not_configured"})


class _Commands(TyperGroup):
    """The command group whose every command, however deep, reports a NewsdeskError here, once: one line
    `error: <message>` on standard error and exit status 1 or 2 (USAGE_REASONS), never a traceback."""

    def invoke(self, ctx: typer.Context) -> Any:
        try:
            return super().invoke(ctx)
        except NewsdeskError as exc:
            err.print(f"error: {exc}", markup=False, highlight=False)
            raise typer.Exit(2 if exc.reason in USAGE_REASONS else 1) from exc


app = typer.Typer(cls=_Commands, help="newsdesk: a self-hosted news aggregator.", no_args_is_help=True,
                  pretty_exceptions_enable=False)
sources_app = typer.Typer(help="Manage the sources newsdesk watches.", no_args_is_help=True)
app.add_typer(sources_app, name="sources")


@app.callback()
def main(
    ctx: typer.Context,
    db: Annotated[
        str | None, typer.Option("--db", help="SQLAlchemy database URL (else NEWSDESK_DATABASE_URL).")
    ] = None,
) -> None:
    try:
        ctx.obj = load_settings(database_url=db)
    except (ValueError, OSError) as exc:
        err.print(f"[red]configuration error:[/red] {exc}")
        raise typer.Exit(2) from exc


def _settings(ctx: typer.Context) -> Settings:
    return ctx.find_root().obj


@contextmanager
def _store(ctx: typer.Context) -> Any:
    from newsdesk.store import Store

    store = Store(_settings(ctx).database_url)
    try:
        store.migrate()
        yield store
    finally:
        store.close()


@contextmanager
def _passes(ctx: typer.Context) -> Iterator[Passes]:
    """The stages of a pass over the store; a missing model or a bad labels file is said on stderr and turns
    analysis off: what was fetched is stored and grouped, and `newsdesk analyze-pending` can analyse it later."""

    def analysis_off(exc: Exception) -> None:
        err.print(f"analysis skipped: {exc}", markup=False, highlight=False)

    from newsdesk.passes import Passes

    with _store(ctx) as store:
        passes = Passes(_settings(ctx), store, "this command", on_analysis_off=analysis_off)
        try:
            yield passes
        finally:
            passes.close()


def _when(value: datetime | None) -> str:
    if value is None:
        return "-"
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M")


# ---- sources --------------------------------------------------------------------------------------


@sources_app.command("add")
def sources_add(
    ctx: typer.Context,
    url: str,
    title: Annotated[str | None, typer.Option(help="Name to show for this source.")] = None,
    category: Annotated[str | None, typer.Option(help="A category, e.g. World/Europe.")] = None,
    discover: Annotated[bool, typer.Option(help="Look up the page now and use the feed it advertises.")] = True,
) -> None:
    """Add a feed, sitemap, site home page (its feed is found) or single article URL."""
    with _passes(ctx) as passes:
        source, created, note = passes.collector.add_source(url, title=title, category=category, discover=discover)
    from newsdesk.collect import UNCHECKED

    verb = "added" if created else "already present:"
    line = f"{verb} source {source.id} {source.url} ({source.kind})"
    if note.startswith(UNCHECKED):  # added, but the user should know that it could not be looked up now
        out.print(line, markup=False, highlight=False)
        err.print(note, markup=False, highlight=False)
    else:
        out.print(line + (f" - {note}" if note else ""), markup=False, highlight=False)


@sources_app.command("list")
def sources_list(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per source.")] = False,
    wide: Annotated[bool, typer.Option("--wide", help="Every field in a column of its own, whole (wider than 80 "
                                                       "columns).")] = False,
) -> None:
    """Every source with its health, one line each in an 80-column terminal: id, name, last success, articles
    found, and its status in words with the last error, cut with an ellipsis (warning: its last pass found entries
    and stored none). `--wide` shows every field whole: last fetch, failures, what its last pass did with its
    entries (found, stored, failed and why), its articles that failed in a stage (grouping, analysis: how many, how
    many are set aside, the latest error) and the next fetch; `--json` the stored values."""
    from rich.text import Text  # errors are shown as they are, never read as markup

    from newsdesk.store.queries import source_status_words
    from newsdesk.store.repository import SourceFailures

    with _store(ctx) as store:
        sources = store.list_sources()
        bad = store.source_failures()
    if as_json:
        for s in sources:
            f = bad.get(s.id, SourceFailures())
            print(json.dumps({
                "id": s.id, "url": s.url, "kind": s.kind, "name": s.name, "title": s.title, "active": s.active,
                "last_fetch_at": s.last_fetch_at and s.last_fetch_at.isoformat(),
                "last_success_at": s.last_success_at and s.last_success_at.isoformat(),
                "last_status": s.last_status, "last_error": s.last_error, "last_error_reason": s.last_error_reason,
                "consecutive_failures": s.consecutive_failures, "articles_found": s.articles_found,
                "interval_seconds": s.interval_seconds, "next_fetch_at": s.next_fetch_at.isoformat(),
                "articles_failed": f.failed, "articles_set_aside": f.set_aside,
                "last_article_error": f.last_error and f"{f.last_stage}: {f.last_error}",
                "last_article_error_at": f.last_at and f.last_at.isoformat(),
                "last_pass": s.last_pass,
            }))
        return

    def status(s: Any) -> Text:
        style = {"error": "red", "warning": "yellow", "ok": "green", "not_modified": "green"}.get(s.last_status, "")
        return Text(source_status_words(s.last_status), style=style)

    if wide:
        table = Table("id", "source", "status", "last fetch", "last success", "fails", "articles", "last pass",
                      "failed articles", "next", "last error")
        for s in sources:
            f = bad.get(s.id, SourceFailures())
            failed = f"{f.failed} ({f.set_aside} set aside)" if f.failed else "0"
            errors = [s.last_error or "", f"article: {f.last_stage}: {f.last_error}" if f.last_error else ""]
            table.add_row(str(s.id), s.name or s.title or s.url, status(s), _when(s.last_fetch_at),
                          _when(s.last_success_at), str(s.consecutive_failures), str(s.articles_found),
                          Text(_last_pass(s.last_pass)), failed, _when(s.next_fetch_at),
                          Text("\n".join(e for e in errors if e)))
        out.print(table)
        return
    # One line a source: the columns a reader scans first keep their width; the name and the status with its
    # error share what is left, each cut with an ellipsis (`--wide` or `--json` give them whole).
    # (Those two columns may narrow; their cells never wrap.)
    now = utcnow()
    table = Table(Column("id", justify="right", no_wrap=True), Column("source", max_width=20),
                  Column("last success", no_wrap=True), Column("articles", justify="right", no_wrap=True),
                  Column("status"), box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False,
                  collapse_padding=True)
    for s in sources:
        f = bad.get(s.id, SourceFailures())
        line = status(s)
        if s.last_error:
            line.append(": " + " ".join(s.last_error.split()))
        if f.failed:
            line.append(f"; {f.failed} article{'' if f.failed == 1 else 's'} failed", style="red")
        line.no_wrap, line.overflow = True, "ellipsis"
        name = Text(s.name or s.title or s.url, no_wrap=True, overflow="ellipsis")
        table.add_row(str(s.id), name, _ago(s.last_success_at, now), str(s.articles_found), line)
    out.print(table)


def _ago(value: datetime | None, now: datetime) -> str:
    """How long ago, in at most 11 characters ("never", "5 min ago", "3 h ago", "4 days ago"; the date after a
    month)."""
    if value is None:
        return "never"
    seconds = (now - value).total_seconds()
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{int(seconds // 60)} min ago"
    if seconds < 48 * 3600:
        return f"{int(seconds // 3600)} h ago"
    if seconds < 30 * 86400:
        return f"{int(seconds // 86400)} days ago"
    return value.astimezone(UTC).strftime("%Y-%m-%d")


def _last_pass(p: dict[str, Any] | None) -> str:
    """A source's last pass over its entries in a few words: "12 found, 0 stored, 12 failed: 8 × timed out ..."."""
    from newsdesk.errors import failure_reason_words

    if not p:
        return "none yet"
    line = f"{p['found']} found, {p['stored']} stored"
    if p.get("from_feed"):
        line += f" ({p['from_feed']} from the feed)"
    if p.get("failed"):
        line += f", {p['failed']} failed: " + ", ".join(f"{r['count']} × {failure_reason_words(r['reason'])}"
                                                    for r in p["reasons"])
    return line


@sources_app.command("remove")
def sources_remove(ctx: typer.Context, source_id: int) -> None:
    """Stop watching a source (its articles stay)."""
    with _store(ctx) as store:
        if not store.remove_source(source_id):
            err.print(f"[red]error:[/red] no source with id {source_id}")
            raise typer.Exit(1)
    out.print(f"removed source {source_id}")


@sources_app.command("rename")
def sources_rename(ctx: typer.Context, source_id: int,
                   name: Annotated[str, typer.Argument(help="The outlet's name, as pages, the API and feeds show it.")],
                   ) -> None:
    """Correct the name a source's articles are shown under (pages pick the name up from the site by themselves:
    og:site_name, the JSON-LD publisher, else the feed's title; the host only as a last resort)."""
    with _store(ctx) as store:
        try:
            named = store.name_source(source_id, name)
        except ValueError as exc:
            err.print(f"[red]error:[/red] {exc}")
            raise typer.Exit(2) from exc
    if named is None:
        err.print(f"[red]error:[/red] no source with id {source_id}")
        raise typer.Exit(1)
    out.print(f"source {source_id} is now shown as {named!r}", markup=False, highlight=False)


@sources_app.command("import-opml")
def sources_import_opml(ctx: typer.Context, path: Path) -> None:
    """Add every feed listed in an OPML file (already present ones are left as they are)."""
    from newsdesk.sources.opml import parse_opml

    try:
        outlines = parse_opml(path.read_bytes())
    except (NewsdeskError, OSError) as exc:
        err.print(f"[red]error:[/red] {path}: {exc}")
        raise typer.Exit(1) from exc
    from newsdesk.removal import RemovalDesk

    added = blocked = 0
    with _store(ctx) as store:
        desk = RemovalDesk(store, _settings(ctx))
        for o in outlines:
            if why := desk.domain_blocked(o.url):
                blocked += 1
                err.print(f"skipped {o.url}: {why}", markup=False, highlight=False)
                continue
            _, created = store.add_source(o.url, interval=_settings(ctx).default_interval, title=o.title,
                                          site_url=o.html_url, category=o.category)
            added += int(created)
    out.print(f"{added} source(s) added, {len(outlines) - added - blocked} already present"
              + (f", {blocked} blocked by removal requests" if blocked else ""))


@sources_app.command("export-opml")
def sources_export_opml(
    ctx: typer.Context,
    path: Annotated[Path | None, typer.Argument(help="File to write (default: standard output).")] = None,
) -> None:
    """Write every source as OPML 2.0."""
    from newsdesk.sources.opml import OpmlOutline, write_opml

    with _store(ctx) as store:
        outlines = [OpmlOutline(s.url, s.title, s.site_url, s.category) for s in store.list_sources()]
    text = write_opml(outlines)
    if path:
        path.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)


def _group_and_analyse(passes: Passes) -> str:
    """The rest of a pass after a fetch or import: group into stories, then analyse at most `analysis_batch` pending
    articles. Returns the words for the summary line. An article whose grouping failed is recorded on it (`sources
    list` shows it) and is tried again by the next pass."""
    placed = passes.group()
    failed = passes.stories.failed
    words = f"{placed} article(s) placed in stories" + (
        f" ({failed} could not be placed: see `newsdesk sources list`)" if failed else "")
    analysed = passes.analyse()
    if passes.analysis.off:  # switched off (analysis_batch 0), or by a missing model or labels file: said already
        return words
    pending = passes.store.analysis_stats()["pending"]
    left = f" ({pending} left for `newsdesk analyze-pending` or the next pass)" if pending else ""
    return f"{words}, {analysed} article(s) analysed{left}"


# ---- stories --------------------------------------------------------------------------------------

stories_app = typer.Typer(help="Read the stories newsdesk has grouped.", no_args_is_help=True)
app.add_typer(stories_app, name="stories")


@stories_app.command("list")
def stories_list(
    ctx: typer.Context,
    limit: Annotated[int, typer.Option(min=1, help="How many, the latest reported first.")] = 20,
) -> None:
    """Stories with their headline, sources and latest report (by publication time, as the site places them)."""
    with _store(ctx) as store:
        stories = store.list_stories(limit=limit)
    table = Table("id", "headline", "articles", "sources", "independent", "latest report")
    for s in stories:
        latest = _when(s.last_published) if s.last_published else f"date unknown (seen {_when(s.created_at)})"
        table.add_row(str(s.id), s.headline or "", str(s.article_count), str(s.sources_count),
                      str(s.independent_sources_count), latest)
    out.print(table)


@stories_app.command("show")
def stories_show(ctx: typer.Context, story_id: int) -> None:
    """One story: headline, cited brief, timeline of its articles, disclaimer."""
    from newsdesk.dates import article_time_text, story_times_text
    from newsdesk.store.queries import Reader
    from newsdesk.web.citations import citation_numbers

    with _store(ctx) as store:
        story = store.get_story(story_id)
        if story is not None and story.merged_into is not None:
            err.print(f"story {story_id} was merged into story {story.merged_into}: showing that one")
            story_id = store.final_story(story_id)
            story = store.get_story(story_id)
        # The page's timeline, every article of it: each independent report once, its reprints under it
        detail = Reader(store).story(story_id, limit=max(story.article_count, 1), outlets=False) if story else None
    if story is None or detail is None or not detail.story.articles:
        err.print(f"[red]error:[/red] no story with id {story_id}")
        raise typer.Exit(1)
    numbers = citation_numbers(story.brief)  # the page's and the feeds' [1]..[n]
    out.print(f"[bold]{story.headline}[/bold]", highlight=False)
    out.print(f"{story.article_count} article(s) from {story.sources_count} source(s), "
              f"{story.independent_sources_count} independent; "
              f"{story_times_text(story.first_published, story.last_published, story.created_at)}\n")
    for sentence in story.brief:
        cited = dict.fromkeys(c["article_id"] for c in sentence["citations"] if c["article_id"] in numbers)
        marks = "".join(f"[{numbers[a]}]" for a in cited)
        label = f"{sentence['status'].capitalize()}: " if sentence.get("status") else ""  # as the page labels it
        note = " (only state-controlled media report this)" if sentence.get("state_media_only") is True else ""
        out.print(f"{label}{sentence['text']} {marks}".rstrip() + note, markup=False, highlight=False)
    out.print("\nTimeline (publication times):")
    # By publication time (an article without a date at its fetch time, marked); opinion in its place, marked.
    width = len(f"[{len(numbers)}]") if numbers else 0
    for g in sorted(detail.timeline + detail.opinion, key=lambda g: (g.origin.when, g.origin.id)):
        a = g.origin
        mark = f"[{numbers[a.id]}]" if a.id in numbers else ""
        opinion = " (opinion)" if a.genre == "opinion" else ""
        out.print(f"  {article_time_text(a.published, a.fetched, a.received)}  {mark:<{width}} {a.source or ''}: "
                  f"{a.title or a.url}{opinion}", markup=False, highlight=False)
        for r in sorted(g.copies, key=lambda r: (r.when, r.id)):
            cited = f"[{numbers[r.id]}] " if r.id in numbers else ""
            out.print(f"      reprinted by {cited}{r.source or r.url}, "
                      f"{article_time_text(r.published, r.fetched, r.received)}", markup=False, highlight=False)
    if numbers:
        out.print("\nSources:")
        by_id = {a.id: a for a in detail.story.articles}
        for a_id, number in numbers.items():
            if a_id in by_id:
                out.print(f"  [{number}] {by_id[a_id].url}", markup=False, highlight=False)
    out.print(f"\n{_settings(ctx).effective_disclaimer}", markup=False, highlight=False)


# ---- collecting -----------------------------------------------------------------------------------


@contextmanager
def _no_room_is_a_message(ctx: typer.Context, command: str) -> Iterator[None]:
    """A store with no room left (a full disk) ends the command with one line saying so, exit status 1, instead of
    a traceback. Every article is stored in its own transaction, so what was stored before is whole, and the next
    run, once there is room, goes on from there."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import SQLAlchemyError

    from newsdesk.store.repository import disk_full

    try:
        yield
    except (SQLAlchemyError, OSError) as exc:
        if not disk_full(exc):
            raise
        why = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        url = make_url(_settings(ctx).database_url)
        where = f"on the disk of {url.database}" if url.get_backend_name() == "sqlite" else "on the database server"
        err.print(f"error: no room left for the store {where} ({why}): nothing more was stored, what was stored "
                  f"before is kept; make room and run `{command}` again", markup=False, highlight=False)
        raise typer.Exit(1) from None


@app.command()
def fetch(
    ctx: typer.Context,
    all_sources: Annotated[bool, typer.Option("--all", help="Every source now, whatever its schedule.")] = False,
) -> None:
    """One polite pass over every due source."""
    with _no_room_is_a_message(ctx, "newsdesk fetch"), _passes(ctx) as passes:
        due = passes.store.due_sources(utcnow(), include_not_due=all_sources)
        if not due:
            out.print("no source is due (use --all to fetch every source now)")
            return
        columns = (TextColumn("fetching"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.description}"))
        with Progress(*columns, console=err, transient=True) as progress:
            task = progress.add_task("", total=len(due))

            def done(report: Any) -> None:
                progress.update(task, advance=1, description=report.url[:60])

            reports = passes.collector.fetch_due(include_not_due=all_sources, on_done=done)
        grouped = _group_and_analyse(passes)
        pictures = passes.pictures()
        if pictures:
            grouped += f", {pictures} picture(s) stored"
    new = sum(r.new_articles for r in reports)
    failed_sources = [r for r in reports if r.status == "error"]
    not_fetched = {status: sum(r.status == status for r in reports) for status in ("leased", "deferred")}
    for r in sorted(reports, key=lambda r: r.source_id):
        line = f"{r.url}: {r.status}, {r.new_articles} new"
        if r.status in not_fetched:
            line = f"{r.url}: skipped"
        if r.from_feed:
            line += f" ({r.from_feed} from the feed's own text: their pages failed)"
        if r.failed:
            line += f", {r.failed} failed"
        if r.blocked:
            line += f", {r.blocked} blocked (removal requests)"
        if r.deferred:
            line += f", {r.deferred} left for the next pass"
        if r.error:
            line += f" - {r.error.removeprefix(r.url + ': ')}"  # the client's messages start with the URL
        (err if r.status == "error" else out).print(line, markup=False, highlight=False)
    skipped = "".join(f", {n} {what}" for n, what in (
        (not_fetched["leased"], "skipped (another newsdesk process has them)"),
        (not_fetched["deferred"], "left for the next pass (their host's time budget ran out)")) if n)
    warnings = sum(r.status == "warning" for r in reports)
    warned = f", {warnings} source warning(s) (entries found, none stored)" if warnings else ""
    out.print(f"{len(reports) - sum(not_fetched.values())} source(s) fetched{skipped}, {new} new article(s), "
              f"{len(failed_sources)} source error(s){warned}, {grouped}")


@app.command("import")
def import_(
    ctx: typer.Context,
    paths: Annotated[list[Path], typer.Argument(help=".html, .html.gz, .warc(.gz), .arc(.gz) files or folders")],
    url: Annotated[str | None, typer.Option(help="The address of the page (for a single .html file).")] = None,
    queue: Annotated[bool, typer.Option(
        "--queue", help="Queue one task per file for the fetch workers (needs NEWSDESK_BROKER_URL; the files must "
                        "be readable at the same path on the workers).")] = False,
) -> None:
    """Import local pages and web archives (e.g. a CC-NEWS WARC file). Re-importing adds nothing."""
    if queue:
        from newsdesk.collect import expand_paths
        from newsdesk.tasks import FETCH_QUEUE, import_file

        _broker(ctx)
        files = [str(p.resolve()) for p in expand_paths(paths)]
        for f in files:
            import_file.apply_async((f, url), queue=FETCH_QUEUE)
        out.print(f"{len(files)} file(s) queued for the fetch workers")
        return
    with _passes(ctx) as passes:
        report = passes.collector.import_paths(paths, url=url)
        grouped = _group_and_analyse(passes)
    for what, why in report.failed:
        err.print(f"failed: {what}: {why}", markup=False, highlight=False)
    blocked = f", {report.blocked} blocked (removal requests)" if report.blocked else ""
    out.print(f"{report.stored} stored, {report.known} already stored, {len(report.failed)} failed{blocked}, "
              f"{grouped}")


@app.command()
def extract(
    paths: Annotated[list[Path], typer.Argument(help=".html or .html.gz files")],
    url: Annotated[str | None, typer.Option(help="The address the page came from.")] = None,
) -> None:
    """Print the article in each page as one JSON object a line. Nothing is stored.

    Pages of one site given together teach each other the site's template (its furniture and title decoration)."""
    from newsdesk.extract import article_to_contract, extract_pages

    failed = 0
    for path, found in extract_pages(paths, url):
        if isinstance(found, Exception):
            failed += 1
            err.print(f"{path}: {found}", markup=False, highlight=False)
            record = {"path": str(path), "url": url, "title": None, "text": "", "authors": [], "published": None,
                      "language": None, "canonical_url": None, "image": None, "genre": None, "agencies": [],
                      "site_name": None, "error": str(found)}
        else:
            record = article_to_contract(str(path), found)
        print(json.dumps(record, ensure_ascii=False), flush=True)
    if failed:
        raise typer.Exit(1)


def _open_records(path: Path) -> Any:
    """The JSON-lines input of `cluster` and `analyze`: the file, or standard input for "-"."""
    return sys.stdin if str(path) == "-" else open(path, encoding="utf-8")


def _good_records(stream: Any, path: Path, errors: list[Any]) -> Iterator[Any]:
    """The readable records of `stream`; each bad line is reported on stderr and added to `errors`."""
    from newsdesk.stories.records import RecordError, read_records

    for record in read_records(stream):
        if isinstance(record, RecordError):
            errors.append(record)
            err.print(f"{path}:{record.line}: {record.message}", markup=False, highlight=False)
        else:
            yield record


@app.command()
def cluster(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="JSON lines: id, title, text[, published, url, source]; - for stdin")],
) -> None:
    """Group articles into stories as the live service would, in file order; print `id<TAB>story_id`.

    Nothing is read from or written to the database. A bad line is reported and skipped. An article whose grouping
    fails or runs past its time budget (article_time_budget) is reported and gets a story of its own; the others
    go on (exit status 1).
    """
    from newsdesk.stories.engine import cluster_stream

    errors: list[Any] = []

    def failed(article_id: object, exc: Exception) -> None:
        errors.append(article_id)
        err.print(f"article {article_id}: could not be grouped ({describe_failure(exc)}); a story of its own",
                  markup=False, highlight=False)

    try:
        with _open_records(path) as stream:
            for article_id, story_id in cluster_stream(_good_records(stream, path, errors),
                                                       _settings(ctx).article_time_budget, failed):
                sys.stdout.write(f"{article_id}\t{story_id}\n")
    except (OSError, UnicodeDecodeError) as exc:
        err.print(f"[red]error:[/red] {path}: {exc}")
        raise typer.Exit(1) from exc
    if errors:
        raise typer.Exit(1)


@app.command()
def analyze(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(
        help="JSON lines: id, title, text[, language, published, url, source]; - for stdin")],
) -> None:
    """Print each article's entities and attributed statements, one JSON object a line, in input order.

    Each article is read in its language: the record's `language` where given, else guessed from its title and
    text; English and French are analysed. The output names the language (`language`); an article in another
    gets empty lists and `not_analysed` saying so (not an error).

    Nothing is read from or written to the database. A bad line is reported and skipped. An article whose
    analysis fails or runs past its time budget (article_time_budget) is printed with empty lists and an
    `error` saying why, and the others go on; either makes the exit status 1.
    """
    from newsdesk.analyze.languages import NotAnalysed, analyze_articles
    from newsdesk.labels import default_registry
    from newsdesk.text import article_language

    errors: list[Any] = []
    ids: list[Any] = []
    languages: list[str | None] = []

    def articles(stream: Any) -> Any:
        for record in _good_records(stream, path, errors):
            ids.append(record.id)
            languages.append(article_language(record.language, record.title, record.text))
            yield record.text, languages[-1]

    try:
        registry = default_registry()
        with _open_records(path) as stream:
            results = analyze_articles(articles(stream), is_state_media=registry.is_state_media,
                                       is_outlet=registry.is_outlet, time_budget=_settings(ctx).article_time_budget)
            for index, result in enumerate(results):
                record: dict[str, Any] = {"id": ids[index], "entities": [], "statements": [],
                                          "language": languages[index]}
                if isinstance(result, NotAnalysed):
                    record["not_analysed"] = result.reason
                elif isinstance(result, Exception):
                    record["error"] = str(result)[:300] if isinstance(result, NewsdeskError) else (
                        f"analysis failed: {type(result).__name__}: {str(result)[:300]}")
                    errors.append(result)
                    err.print(f"{path}: article {ids[index]!r}: {record['error']}", markup=False, highlight=False)
                else:
                    record["entities"] = [e.to_contract() for e in result.entities]
                    record["statements"] = [s.to_contract() for s in result.statements]
                sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")
    except (OSError, UnicodeDecodeError) as exc:
        err.print(f"error: {path}: {exc}", markup=False, highlight=False)
        raise typer.Exit(1) from exc
    if errors:
        raise typer.Exit(1)


@app.command("analyze-pending")
def analyze_pending(
    ctx: typer.Context,
    limit: Annotated[int | None, typer.Option(min=1, help="Analyse at most this many articles.")] = None,
) -> None:
    """Find the entities and statements of stored articles not analysed yet, then refresh their stories.

    Originals go through the models; a copy takes its origin's analysis. Then articles an older version of the
    analyser analysed are analysed again. Safe to stop at any time.
    """
    from newsdesk.analyze.stage import AnalysisStage

    with _store(ctx) as store:
        stage = AnalysisStage(store, _settings(ctx))
        with Progress(TextColumn("analysing"), TextColumn("{task.description}"), console=err,
                      transient=True) as progress:
            task = progress.add_task("", total=None)
            stage.process_pending(limit, on_batch=lambda r: progress.update(
                task, description=f"{r.articles} article(s), {len(r.stories)} story(ies)"))
    r = stage.report
    again = f"; {r.redone} of them analysed again (an older analyser had done them)" if r.redone else ""
    failed = ""
    if r.failed:
        aside = f", {r.set_aside} of them now set aside" if r.set_aside else ""
        failed = (f"; {r.failed} failed{aside} (see `newsdesk sources list`; tried again on the next run, set aside "
                  "after 3 failures until newsdesk is updated)")
    unread = f"; {r.unread} not analysed (no pipeline for their language)" if r.unread else ""
    out.print(f"{r.articles - r.unread} article(s) analysed ({r.analysed} through the models, {r.borrowed} copies "
              f"took their origin's analysis), {len(r.stories)} story(ies) updated{again}{unread}{failed}")


@app.command()
def export(ctx: typer.Context) -> None:
    """Print every stored article, one JSON object a line."""
    with _store(ctx) as store:
        for article in store.iter_articles():
            sys.stdout.write(json.dumps(article.to_contract(), ensure_ascii=False) + "\n")


# ---- removal requests -----------------------------------------------------------------------------

removals_app = typer.Typer(help="Review removal requests (accept, reject) and export the transparency report.",
                           no_args_is_help=True)
app.add_typer(removals_app, name="removals")
admin_app = typer.Typer(help="Administrator accounts (they review removal requests on the web site).",
                        no_args_is_help=True)
app.add_typer(admin_app, name="admin")


@contextmanager
def _desk(ctx: typer.Context) -> Any:
    from newsdesk.removal import RemovalDesk

    with _store(ctx) as store:
        desk = RemovalDesk(store, _settings(ctx))
        try:
            yield desk
        finally:
            # A decision's mail to the requester is being sent (within smtp_timeout): before the store closes.
            desk.mail.wait(desk.settings.smtp_timeout + 5)


@removals_app.command("list")
def removals_list(
    ctx: typer.Context,
    status: Annotated[str | None, typer.Option(help="received, needs_info, accepted or rejected.")] = None,
) -> None:
    """Removal requests, newest first."""
    with _desk(ctx) as desk:
        requests = desk.list(status=status)
    # The receipt is what a requester quotes: never cut, whatever the terminal's width.
    table = Table("id", Column("receipt", no_wrap=True, min_width=22), "status", "received", "reason", "relationship",
                  Column("targets", overflow="fold"))
    for r in requests:
        status_text = r.status + (" (suppressed provisionally)" if r.provisional and r.status != "accepted" else "")
        targets = ", ".join(f"{t.scope}: {t.value}" for t in r.targets)
        table.add_row(str(r.id), r.public_id, status_text, _when(r.received_at), r.reason, r.relationship, targets)
    out.print(table)


RequestKey = Annotated[str, typer.Argument(help="Request id or receipt.")]
DecisionReason = Annotated[str, typer.Option(help="Why (kept, and shown to the requester).")]
DecidedBy = Annotated[str | None, typer.Option(help="Who decides (recorded in the audit log).")]


def _actor(by: str | None) -> str:
    """The audit log's actor for a decision made on the command line."""
    return f"cli:{by}" if by else "cli"


@removals_app.command("show")
def removals_show(ctx: typer.Context, request: RequestKey) -> None:
    """One request: requester, targets, what they resolved to, decision, audit log."""
    with _desk(ctx) as desk:
        view = desk.get(request)
        if view is None:
            err.print(f"error: no removal request {request}", markup=False, highlight=False)
            raise typer.Exit(1)
        entries = desk.audit(view.id)
    lines = [
        f"request {view.id} (receipt {view.public_id}): {view.status}"
        + (", suppressed provisionally on receipt" if view.provisional else ""),
        f"from {view.name} <{view.email}>, {view.relationship}; reason: {view.reason}",
        f"received {_when(view.received_at)}; decided {_when(view.decided_at)}"
        + (f" by {view.decided_by}: {view.decision_reason}" if view.decision_reason else ""),
        "mail to the requester: " + _mail_line(view),
        "details: " + (view.details or "-"),
        "targets:",
        *[f"  {t.scope}: {t.value}" + (f" -> articles {t.resolved}" if t.resolved is not None else "")
          for t in view.targets],
        "audit:",
        *[f"  {_when(e.at)} {e.actor} {e.action} {json.dumps(e.detail, ensure_ascii=False)}"
          for e in reversed(entries)],
    ]
    for line in lines:
        out.print(line, markup=False, highlight=False)


def _mail_line(view: Any) -> str:
    mail = view.mail
    if mail is None:
        return "none (no SMTP server was set)"
    line = f"{mail.status}, telling {mail.about}, {mail.attempts} attempt(s), the last {_when(mail.at)}"
    if mail.error:
        line += f": {mail.error}"
    if mail.status == "failed":
        line += f"; tried again {_when(mail.next_at)}" if mail.next_at else "; no more attempts"
    return line


@removals_app.command("accept")
def removals_accept(
    ctx: typer.Context,
    request: RequestKey,
    reason: DecisionReason,
    by: DecidedBy = None,
) -> None:
    """Accept a request: remove what it names everywhere and block it from coming back."""
    with _desk(ctx) as desk:
        report = desk.accept(request, actor=_actor(by), reason=reason)
    out.print(f"accepted request {report.request_id}: {len(report.article_ids)} article(s) removed, "
              f"{len(report.story_ids)} story(ies) updated ({len(report.stories_emptied)} now empty), "
              f"{report.blocked} blocklist entr(ies), {len(report.sources_deactivated)} source(s) stopped, "
              f"in {report.seconds:.2f} s")


@removals_app.command("reject")
def removals_reject(
    ctx: typer.Context,
    request: RequestKey,
    reason: DecisionReason,
    by: DecidedBy = None,
) -> None:
    """Reject a request; what it suppressed provisionally is restored."""
    with _desk(ctx) as desk:
        report = desk.reject(request, actor=_actor(by), reason=reason)
    out.print(f"rejected request {report.request_id}" +
              (f": {len(report.restored)} article(s) restored" if report.restored else ""))


@removals_app.command("info")
def removals_info(
    ctx: typer.Context,
    request: RequestKey,
    reason: Annotated[str, typer.Option(help="What information is missing.")],
    by: Annotated[str | None, typer.Option(help="Who asks (recorded in the audit log).")] = None,
) -> None:
    """Ask the requester for more information (status needs_info)."""
    with _desk(ctx) as desk:
        view = desk.ask_info(request, actor=_actor(by), reason=reason)
    out.print(f"request {view.id} now needs information: {view.decision_reason}", markup=False, highlight=False)


@removals_app.command("export")
def removals_export(
    ctx: typer.Context,
    output: Annotated[Path | None, typer.Option(help="File to write (default: standard output).")] = None,
) -> None:
    """The transparency report as JSON: counts by month, reason, scope and outcome; no personal data."""
    with _desk(ctx) as desk:
        report = json.dumps(desk.transparency_report(), indent=2, ensure_ascii=False) + "\n"
    if output:
        output.write_text(report, encoding="utf-8")
        out.print(f"wrote {output}")
    else:
        sys.stdout.write(report)


@admin_app.command("add")
def admin_add(
    ctx: typer.Context,
    name: str,
    password_stdin: Annotated[bool, typer.Option(
        "--password-stdin", help="Read the password from the first line of standard input.")] = False,
) -> None:
    """Add an administrator; the password is asked twice (or read from standard input)."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("password", hide_input=True, confirmation_prompt=True)
    with _desk(ctx) as desk:
        admin_id = desk.create_admin(name, password)
    out.print(f"administrator {name} added (id {admin_id})", markup=False, highlight=False)


@app.command()
def migrate(ctx: typer.Context) -> None:
    """Create or upgrade the database schema."""
    with _store(ctx) as store:
        out.print(f"database ready: {store.url}")


# ---- scale-out (Celery) ---------------------------------------------------------------------------

QUEUE_CHOICES = {"fetch": "fetch", "stories": "stories", "all": "fetch,stories"}


def _broker(ctx: typer.Context) -> Any:
    """The Celery app configured from the settings (BrokerNotConfiguredError, exit status 2, says what is
    missing)."""
    from newsdesk.tasks import configure

    return configure(_settings(ctx))


@app.command()
def worker(
    ctx: typer.Context,
    queues: Annotated[str, typer.Option(help="fetch (any number of these), stories (exactly one) or all.")] = "all",
    concurrency: Annotated[int | None, typer.Option(
        min=1, max=256, help="Tasks at once (fetch; else one per CPU). A stories worker always runs one.")] = None,
) -> None:
    """Run a Celery worker (needs NEWSDESK_BROKER_URL): fetch tasks, story assignment and analysis, or both."""
    import os

    from newsdesk.config import settings_to_env

    if queues not in QUEUE_CHOICES:
        err.print(f"error: --queues must be one of {', '.join(QUEUE_CHOICES)}, not {queues!r}", markup=False)
        raise typer.Exit(2)
    if queues == "stories" and concurrency not in (None, 1):
        err.print("error: a stories worker runs one task at a time (one decider; see newsdesk.tasks)", markup=False)
        raise typer.Exit(2)
    import logging

    celery = _broker(ctx)
    with _store(ctx):
        pass  # migrate once here, before the pool processes start
    logging.getLogger("httpx").setLevel(logging.WARNING)  # a line per page fetched would drown the task log
    import newsdesk.collect  # noqa: F401 - loaded once before the pool forks, not in every pool process
    # Pool processes read the settings again from the environment (--db included).
    os.environ.update(settings_to_env(_settings(ctx)))
    argv = ["worker", f"--queues={QUEUE_CHOICES[queues]}", "--loglevel=INFO", "--without-gossip",
            "--without-mingle", f"--hostname=newsdesk-{queues}-{os.getpid()}@%h"]
    if queues == "stories":
        # One decider, in this very process: its memory of the stories lives as long as the worker.
        argv += ["--pool=solo", "--concurrency=1"]
    elif concurrency:
        argv.append(f"--concurrency={concurrency}")
    celery.worker_main(argv)


@app.command()
def scheduler(
    ctx: typer.Context,
    interval: Annotated[float | None, typer.Option(
        min=0.1, help="Seconds between two passes (else NEWSDESK_SCHEDULER_INTERVAL, 10).")] = None,
    once: Annotated[bool, typer.Option("--once", help="One pass, then exit.")] = False,
) -> None:
    """Queue every due source for the fetch workers, again and again (needs NEWSDESK_BROKER_URL). Safe beside
    running workers and even beside a second scheduler: a source is claimed in the store before it is queued."""
    import logging
    import time

    from newsdesk.tasks import TRANSIENT, schedule_due

    _broker(ctx)
    settings = _settings(ctx)
    wait = interval if interval is not None else settings.scheduler_interval
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    with _store(ctx) as store:
        while True:
            try:
                queued = schedule_due(store, settings)
                if queued:
                    out.print(f"{utcnow():%H:%M:%S} queued {queued} source(s)", highlight=False)
            except TRANSIENT as exc:  # PostgreSQL or Redis restarting: try again on the next pass
                err.print(f"scheduler pass failed, will retry: {exc}", markup=False, highlight=False)
            if once:
                return
            time.sleep(wait)


def _log_passes() -> None:
    """`serve`'s own lines on stderr, each with its time: one per background pass (`pass: fetched=...`), and the
    warnings and errors of newsdesk's modules. Their other INFO lines (a date dropped from an article...) would
    drown the pass lines: only the passes' module speaks at INFO."""
    import logging

    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    logging.getLogger("newsdesk").addHandler(handler)
    logging.getLogger("newsdesk").setLevel(logging.WARNING)
    logging.getLogger("newsdesk.passes").setLevel(logging.INFO)


@app.command()
def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    background_fetch: Annotated[bool, typer.Option(help="Fetch due sources in the background.")] = True,
    default_sources: Annotated[bool, typer.Option(help="Add the default world-news feeds to an empty store.")] = True,
    workers: Annotated[int | None, typer.Option(
        min=1, max=64, help="Server processes (else the serve_workers setting, 1).")] = None,
    access_log: Annotated[bool | None, typer.Option(
        "--access-log/--no-access-log", help="A line per request on stderr (else the access_log setting, off).",
        show_default=False)] = None,
) -> None:
    """Serve the site and API; fetch due sources in the background."""
    import os

    import uvicorn

    from newsdesk.config import settings_to_env
    from newsdesk.passes import BackgroundFetcher
    from newsdesk.removal.mail import SmtpServer
    from newsdesk.sources.opml import parse_opml
    from newsdesk.web.app import create_app
    from newsdesk.web.common import trusted_proxies
    from newsdesk.web.processes import run_processes

    settings = _settings(ctx)
    _log_passes()
    try:
        trusted_proxies(settings.trusted_proxies)  # here: a server process would die of it at every start
        SmtpServer.from_settings(settings)  # the same for the mail to removal requesters
    except ValueError as exc:
        err.print(f"configuration error: {exc}", markup=False, highlight=False)
        raise typer.Exit(2) from exc
    if settings.broker_url and background_fetch:
        # With a broker, `newsdesk scheduler` and the workers fetch and group: a fetcher here would be a second
        # story decider beside the stories worker.
        background_fetch = False
        out.print("NEWSDESK_BROKER_URL is set: fetching is left to `newsdesk scheduler` and `newsdesk worker`")
    with _store(ctx) as store:
        if default_sources and not store.list_sources():
            opml = resources.files("newsdesk").joinpath("data/default-sources.opml").read_bytes()
            for o in parse_opml(opml):
                store.add_source(o.url, interval=settings.default_interval, title=o.title,
                                 site_url=o.html_url, category=o.category)
            out.print("added the default world-news sources (see `newsdesk sources list`)")
    processes = workers or settings.serve_workers
    log_requests = settings.access_log if access_log is None else access_log
    if processes <= 1:
        # proxy_headers off: the app decides whom to believe about the client (the trusted_proxies setting).
        uvicorn.run(create_app(settings, background_fetch=background_fetch), host=host, port=port, log_level="info",
                    access_log=log_requests, proxy_headers=False)
        return
    # Several processes answer requests; this one only supervises them and, alone, fetches and groups
    # stories (two story engines deciding at once could split one event).
    os.environ.update(settings_to_env(settings))
    with _store(ctx) as store:
        fetcher = BackgroundFetcher(settings, store) if background_fetch else None
        if fetcher:
            fetcher.thread.start()
        try:
            run_processes("newsdesk.web.app:app_from_environment", processes=processes, host=host, port=port,
                          access_log=log_requests)
        finally:
            if fetcher:
                fetcher.stop.set()
                fetcher.thread.join(timeout=5)


if __name__ == "__main__":
    app()
