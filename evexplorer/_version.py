"""Version of the application and of the model that produces its numbers."""

__version__ = "0.1.0"

#: Version of the model equations and default data. Bump the minor number when
#: default data or an equation changes the numbers a scenario produces.
MODEL_VERSION = "2.0"
