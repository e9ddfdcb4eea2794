"""The demo: `salesglass demo` and what it needs that a real installation does not (its config,
its amoCRM emulator). Composes every step, like the CLI; production modules never import it."""
