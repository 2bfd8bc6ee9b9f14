from scamscope.cli import app

app(prog_name="scamscope")
