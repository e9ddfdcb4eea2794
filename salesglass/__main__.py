from salesglass.cli import main

main()
