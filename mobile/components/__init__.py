"""Small building blocks the screens share: touch-sized buttons and fields, the navigation bar, tiles, meters."""
