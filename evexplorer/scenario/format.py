"""Names, versions and limits of the scenario file format (see ``docs/file-format.md``).

Standard library only: the child process that parses received files imports
this module before NumPy and h5py.
"""

from __future__ import annotations

#: Value of the root attribute ``format``.
FORMAT_NAME = "evexplorer-scenario"
#: The version this release writes.
FORMAT_VERSION = 1
#: Every version this release reads (one reader each, see :mod:`.reader`).
READABLE_VERSIONS: tuple[int, ...] = (1,)
#: Oldest EV Explorer that reads :data:`FORMAT_VERSION`; written as ``min_app_version``.
MIN_APP_VERSION = "0.1.0"
#: File name endings offered by the file dialogs; the first is the one used for saving.
SCENARIO_SUFFIXES: tuple[str, ...] = (".evx", ".h5", ".hdf5")

#: The 8 bytes every HDF5 file written by EV Explorer starts with.
HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"

# Layout -------------------------------------------------------------------------------------
PARAMETERS = "parameters"
RESULTS = "results"
SCALARS = "scalars"
YEARS = "years"
UNIT = "unit"
CHEMISTRIES = "chemistries"
#: Root attributes holding text, in the order they are written.
TEXT_ATTRIBUTES: tuple[str, ...] = (
    "format", "app_version", "model_version", "min_app_version", "created", "modified",
    "title", "author", "notes", "checksum",
)
#: Root attributes that say what a file is; read before anything else.
IDENTITY_ATTRIBUTES: tuple[str, ...] = ("format", "format_version", "min_app_version")
CHECKSUM_PREFIX = "sha256:"
#: Groups the root attribute ``checksum`` covers.
CHECKSUM_GROUPS: tuple[str, ...] = (PARAMETERS, RESULTS)

# Optional groups: what other parts of EV Explorer keep with a scenario ----------------------
REFERENCE = "reference"
UNCERTAINTY = "uncertainty"
TARGETS = "targets"
#: Optional groups, covered by the root attribute ``extras_checksum`` when present.
EXTRA_GROUPS: tuple[str, ...] = (REFERENCE, UNCERTAINTY, TARGETS)
#: Root attribute with the checksum of the optional groups.
EXTRAS_CHECKSUM = "extras_checksum"
#: Longest text a root attribute holds [bytes of UTF-8]; longer ones would need a new version.
MAX_TEXT_BYTES = 65_535

# Limits, checked from metadata before any data is read ---------------------------------------
KiB = 1024
MiB = 1024 * KiB
#: Largest file opened at all [bytes]; a default scenario is about 50 KiB.
MAX_FILE_BYTES = 8 * MiB
#: Largest dataset, in memory after decompression [bytes].
MAX_DATASET_BYTES = 1 * MiB
#: Largest attribute value [bytes].
MAX_ATTRIBUTE_BYTES = 64 * KiB
#: Longest fixed-length string element [bytes], the terminating NUL included; also the
#: longest variable-length one.
MAX_STRING_BYTES = 64 * KiB
#: Most variable-length texts in one attribute (HDF5 reads an attribute whole).
MAX_VLEN_ATTRIBUTE_ITEMS = 16
#: Most variable-length texts in one dataset (read one at a time).
MAX_VLEN_DATASET_ITEMS = 4096
#: Most data read from one file, all datasets and attributes together [bytes].
MAX_TOTAL_BYTES = 16 * MiB
#: Most groups and datasets in one file.
MAX_OBJECTS = 1024
#: Most links in one group.
MAX_LINKS_PER_GROUP = 512
#: Most attributes on one object.
MAX_ATTRIBUTES = 32
#: Deepest nesting of groups below the root.
MAX_DEPTH = 8
#: Most dimensions of a dataset or attribute.
MAX_RANK = 4
#: Longest link or attribute name [bytes].
MAX_NAME_BYTES = 256

#: HDF5 filters accepted in chunked datasets: id -> name. Everything else is refused.
ALLOWED_FILTERS: dict[int, str] = {1: "deflate", 2: "shuffle", 3: "fletcher32"}


def size_text(n: float) -> str:
    """Format a number of bytes for people, e.g. ``2.0 GiB``."""
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB"):
        if n < 1024 or unit == "TiB":
            return f"{n:,.0f} {unit}" if unit == "bytes" else f"{n:,.1f} {unit}"
        n /= 1024
    raise AssertionError("unreachable")
