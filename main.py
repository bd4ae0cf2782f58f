"""Entry of the packaged phone app (`flet build apk`, [tool.flet.app] module = "main"): the coordinator's app."""
import flet as ft

from mobile.app import main

if __name__ == "__main__":
    ft.run(main)
