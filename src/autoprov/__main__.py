from autoprov.cli.main import app

app()
