const maps = loadMaps({ key: process.env.MAPS_KEY }); // AIza... keys come from the env
