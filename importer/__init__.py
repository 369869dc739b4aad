"""Import a roadmap document (.docx, .pdf, .xlsx, .html, plain text) into a draft YAML plan.

`import_document(path, options)` reads the document into blocks (`importer.readers`), finds the
roadmap table(s), the order header and the indicator tables (`importer.build`), and returns an
`ImportResult` whose `yaml` is a plan that validates with `models.loader`, every uncertainty marked
with a `review:` note at its place. A document that cannot be read, or holds no roadmap table, raises
`ImportRefusal` naming the file and what was expected and found.
"""

from importer.build import ImportOptions, ImportResult, import_document
from importer.document import ImportRefusal

__all__ = ["ImportOptions", "ImportRefusal", "ImportResult", "import_document"]
