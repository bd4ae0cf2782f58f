"""Entry point of the packaged phone app (`flet build apk`): the coordinator's app from mobile/app.py."""
import flet as ft

from mobile.app import ASSETS_DIR, main

if __name__ == "__main__":
    ft.run(main, assets_dir=str(ASSETS_DIR))
