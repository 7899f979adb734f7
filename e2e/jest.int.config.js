module.exports = require('../jest.preset')(__dirname, 'int', { postgres: true });
