const maps = loadMaps({ key: "AIzaSyTESTDATA-example_0123456789abcdef" });
