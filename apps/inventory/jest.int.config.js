module.exports = require('../../jest.preset')(__dirname, 'int', { sharedInfra: true });
