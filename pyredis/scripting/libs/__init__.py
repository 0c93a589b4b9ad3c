def install_all(lua):
    pass
