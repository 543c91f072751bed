"""How the harness reaches each language's runner (spec/PROTOCOL.md).

``base`` defines the interface and its failures; ``jsonl_process`` runs any runner as a
long-lived JSON Lines subprocess; one module per language finds its runtime, prepares its side
(npm ci, dotnet build) and builds its transports -- one preparation at a time, never trusted
half done (``prepare``); ``processes`` starts every child so that none outlives the harness.
"""
